// Small helps where JavaScript runs; every page works without it.
document.documentElement.classList.add("js");
document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const text = document.getElementById(copy.dataset.copy).textContent;
    navigator.clipboard.writeText(text).then(() => { copy.textContent = "Copied"; });
    return;
  }
  const remove = event.target.closest("[data-remove-row]");
  if (remove) {
    const row = remove.closest("tr");
    if (row.parentElement.rows.length > 1) row.remove();
    else row.querySelectorAll("input").forEach((input) => { input.value = ""; });
    return;
  }
  const add = event.target.closest("[data-add-row]");
  if (add) {
    event.preventDefault();
    const body = document.querySelector("#test-rows tbody");
    const row = body.rows[body.rows.length - 1].cloneNode(true);
    const index = body.rows.length;
    row.querySelectorAll("input").forEach((input) => {
      input.value = "";
      input.id = input.name + "-" + index;
    });
    row.querySelectorAll("label").forEach((label) => {
      const name = label.htmlFor.split("-")[0];
      label.htmlFor = name + "-" + index;
      label.textContent = (name === "key" ? "Name " : "Value ") + (index + 1);
    });
    body.appendChild(row);
    row.querySelector("input").focus();
  }
});
