"""The dashboard in a real browser (headless Chromium driven by Selenium).

    python3 Tests/Browser/dashboard_test.py RICOCHET_BINARY SCREENSHOT_DIR

Starts Ricochet on a new database and a small receiver on loopback, then
walks the dashboard as a user does: sign in with the printed key, create a
loop that points at the receiver, download its validation file, place it,
validate, send a test call and read the receiver's answer, sign out. Each
page is saved as a PNG in SCREENSHOT_DIR. Prints one line per check and
exits non-zero if any failed.
"""
import http.server, json, os, re, shutil, smtplib, socket, subprocess, sys, tempfile, threading, time, urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

binary, shots = sys.argv[1], sys.argv[2]
os.makedirs(shots, exist_ok=True)
work = tempfile.mkdtemp(prefix="ricochet-browser-")
downloads = os.path.join(work, "downloads")
webroot = os.path.join(work, "www")
os.makedirs(downloads)
os.makedirs(os.path.join(webroot, "hooks"))
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  " + detail))
    if not ok:
        failures += 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The receiver: serves the web root (where the validation file goes) and
# answers every POST with 200 and a body that names what it got.
received = []


class Receiver(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=webroot, **kwargs)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        received.append((self.path, dict(self.headers), body))
        answer = ("thanks, got %d bytes" % len(body)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("X-Receiver", "browser-test")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


receiver_port = free_port()
receiver = http.server.ThreadingHTTPServer(("127.0.0.1", receiver_port), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()

port = free_port()
# The relay is on, towards a smarthost that is not there: its copies wait.
submission_port, absent_smarthost = free_port(), free_port()
server = subprocess.Popen(
    [binary, "serve", "--http", "127.0.0.1:%d" % port, "--smtp", "off", "--allow-private-networks",
     "--database", "sqlite:" + os.path.join(work, "ricochet.db"),
     "--submission", "127.0.0.1:%d" % submission_port, "--submission-auth-in-clear",
     "--smarthost", "127.0.0.1:%d" % absent_smarthost, "--smarthost-tls", "none"],
    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
base = "http://127.0.0.1:%d" % port
key = None
started = time.time()
while key is None and time.time() - started < 30:
    line = server.stdout.readline()
    match = re.search(r"rk_[A-Za-z0-9]{32}", line)
    if match:
        key = match.group(0)
threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
for _ in range(100):
    try:
        urllib.request.urlopen(base + "/healthz")
        break
    except Exception:
        time.sleep(0.1)

options = webdriver.ChromeOptions()
options.add_argument("--headless=new")
options.add_argument("--no-sandbox")
options.add_argument("--disable-dev-shm-usage")
options.add_argument("--window-size=1280,900")
options.add_experimental_option("prefs", {"download.default_directory": downloads,
                                          "download.prompt_for_download": False})
if shutil.which("chromium"):
    options.binary_location = shutil.which("chromium")
service = webdriver.ChromeService(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
browser = webdriver.Chrome(options=options, service=service)
wait = WebDriverWait(browser, 20)


def shot(name):
    """The whole page, not only the window: the window grows to the page's height for the picture."""
    width, height = browser.get_window_size()["width"], browser.get_window_size()["height"]
    page_height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, max(height, page_height + 140))
    browser.save_screenshot(os.path.join(shots, name + ".png"))
    browser.set_window_size(width, height)


def find(by, value):
    """The element, once the page that has it has loaded."""
    return wait.until(lambda b: b.find_element(by, value))


def click_and_wait(element):
    """Clicks something that loads a new page, and waits until it has."""
    element.click()
    wait.until(lambda b: element_is_stale(element))


def element_is_stale(element):
    try:
        element.is_enabled()
        return False
    except Exception:
        return True


def text():
    return browser.find_element(By.TAG_NAME, "body").text


try:
    check("the first start printed a key", key is not None)

    browser.get(base + "/")
    check("a browser that is not signed in is sent to the sign-in page", browser.current_url.endswith("/sign-in"))
    browser.find_element(By.ID, "key").send_keys("rk_" + "x" * 32)
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Sign in with the key']"))
    check("a wrong key is refused in words", "not an API key of this installation" in text())
    created = subprocess.run(
        [binary, "user", "create", "--email", "ops@example.com", "--database",
         "sqlite:" + os.path.join(work, "ricochet.db")],
        input="correct horse battery staple\n", capture_output=True, text=True)
    check("ricochet user create makes a dashboard user beside the running server",
          created.returncode == 0, created.stdout + created.stderr)
    find(By.ID, "email").send_keys("ops@example.com")
    browser.find_element(By.ID, "password").send_keys("wrong horse battery staple")
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Sign in']"))
    check("a wrong password is refused in words", "do not match" in find(By.ID, "sign-in-error").text)
    shot("01-sign-in-refused")
    # By keyboard alone: the password, then Enter.
    browser.find_element(By.ID, "password").send_keys("correct horse battery staple" + Keys.ENTER)
    wait.until(lambda b: b.current_url.endswith("/loops"))
    check("signing in opens the feedback loops", "No feedback loops yet" in text())
    cookie = browser.get_cookie("ricochet_session")
    check("the session cookie is HttpOnly and SameSite=Lax",
          cookie is not None and cookie.get("httpOnly") and cookie.get("sameSite") == "Lax", str(cookie))
    shot("02-loops-empty")

    click_and_wait(browser.find_element(By.LINK_TEXT, "New loop"))
    browser.find_element(By.ID, "url").send_keys("ftp://nowhere")
    browser.execute_script("document.getElementById('url').type = 'text'")  # let the server judge it
    click_and_wait(browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    check("a bad URL is refused in words next to the field",
          len(browser.find_elements(By.ID, "url-error")) == 1, text()[:300])
    url_field = browser.find_element(By.ID, "url")
    url_field.clear()
    url_field.send_keys("http://127.0.0.1:%d/hooks/receive.php" % receiver_port)
    for box in browser.find_elements(By.CSS_SELECTOR, "input[name=events]"):
        if box.get_attribute("value") in ("open", "click") and not box.is_selected():
            box.click()
    browser.find_element(By.ID, "description").send_keys("Browser test")
    shot("03-new-loop")
    click_and_wait(browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    secret = find(By.ID, "secret-value").text
    check("the new loop's signing secret is shown once", secret.startswith("whsec_"), secret)
    check("the loop starts unvalidated", "unvalidated" in text())
    shot("04-loop-created")
    loop_url = browser.find_element(By.LINK_TEXT, "Delivery log").get_attribute("href").rsplit("/", 1)[0]

    link = browser.find_element(By.PARTIAL_LINK_TEXT, "Download")
    filename = link.text.replace("Download ", "").strip()
    link.click()
    path = os.path.join(downloads, filename)
    for _ in range(100):
        if os.path.exists(path):
            break
        time.sleep(0.1)
    check("the validation file downloads under its own name", os.path.exists(path), filename)

    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Validate now']"))
    result = find(By.ID, "validation-result").text
    check("validating before the file is placed says, per location, what was found",
          "Not validated" in result and "404" in result, result)
    shot("05-validation-failed")
    shutil.copy(path, os.path.join(webroot, "hooks", filename))
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Validate now']"))
    check("with the file placed, the loop is validated", "Validated." in find(By.ID, "validation-result").text)
    check("the loop's status says validated", "validated" in browser.find_element(By.CSS_SELECTOR, ".status").text)

    rows = browser.find_elements(By.CSS_SELECTOR, "#test-rows tbody tr")
    browser.find_element(By.XPATH, "//button[text()='Add a row']").click()  # done in the page by its script
    check("“Add a row” adds a row", len(browser.find_elements(By.CSS_SELECTOR, "#test-rows tbody tr")) == len(rows) + 1)
    keys = browser.find_elements(By.NAME, "key")
    values = browser.find_elements(By.NAME, "value")
    keys[-1].send_keys("recipient")
    values[-1].send_keys("jane@example.com")
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Send now']"))
    answer = find(By.ID, "test-result").text
    check("the test tool shows the receiver's status, headers and body",
          "HTTP 200" in answer and "X-Receiver: browser-test" in answer and "thanks, got" in answer, answer)
    posted = [r for r in received if r[0] == "/hooks/receive.php"]
    check("the receiver got the variables, form-encoded and signed",
          posted and "recipient=jane%40example.com" in posted[-1][2] and "type=test" in posted[-1][2]
          and "webhook-signature" in {name.lower() for name in posted[-1][1]}, str(posted[-1:]))
    shot("06-test-tool")
    rows_now = len(browser.find_elements(By.CSS_SELECTOR, "#test-rows tbody tr"))
    browser.find_elements(By.XPATH, "//button[text()='Remove']")[-1].click()
    check("“Remove” takes a row away", len(browser.find_elements(By.CSS_SELECTOR, "#test-rows tbody tr")) == rows_now - 1)
    browser.find_element(By.XPATH, "//input[@name='mode' and @value='raw']").click()
    browser.find_element(By.ID, "body").send_keys("plain words")
    browser.find_element(By.ID, "content-type").send_keys("text/plain")
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Send now']"))
    check("a raw body goes as written, with its content type",
          "HTTP 200" in find(By.ID, "test-result").text and received[-1][2] == "plain words"
          and received[-1][1].get("Content-Type") == "text/plain", str(received[-1:]))

    browser.get(base + "/loops")
    check("the list shows the loop as validated", "validated" in text() and "receive.php" in text())
    shot("07-loops")

    # An open: a message registered through the API, its tracked image fetched by the browser.
    message = json.load(urllib.request.urlopen(urllib.request.Request(
        base + "/api/v1/messages", method="POST",
        data=json.dumps({"recipient": "jane@example.com", "tags": ["june"],
                         "html": "<p>Hi <a href='https://shop.example/'>shop</a></p>"}).encode(),
        headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})))
    pixel = re.search(r'src="([^"]*/t/o/[^"]*)"', message["html"]).group(1)
    browser.get(pixel)
    for _ in range(100):
        if any("type=open" in r[2] for r in received):
            break
        time.sleep(0.1)
    check("the open reached the receiver", any("type=open" in r[2] for r in received))
    browser.get(loop_url)
    click_and_wait(browser.find_element(By.LINK_TEXT, "Delivery log"))
    for _ in range(50):
        if "succeeded" in text():
            break
        time.sleep(0.2)
        browser.refresh()
    check("the delivery log lists the open as succeeded", "open" in text() and "succeeded" in text(), text()[:400])
    row = browser.find_element(By.CSS_SELECTOR, "table tbody tr").text
    check("each delivery shows its attempts, last answer and how long it took",
          "HTTP 200" in row and re.search(r"\b\d+ ms\b", row) is not None, row)
    shot("08-delivery-log")
    click_and_wait(browser.find_element(By.CSS_SELECTOR, "table tbody tr td a"))
    request_text = browser.find_element(By.ID, "request-heading").find_element(By.XPATH, "..").text
    check("a delivery's page shows the exact request, signatures included",
          "webhook-signature" in request_text.lower() and "recipient=jane%40example.com" in request_text, request_text)
    check("and the receiver's answer", "HTTP 200" in text() and "thanks, got" in text())
    shot("09-delivery")
    delivery_url = browser.current_url
    opens_before = sum("type=open" in r[2] for r in received)
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Send it again now']"))
    for _ in range(50):
        if sum("type=open" in r[2] for r in received) > opens_before:
            break
        time.sleep(0.1)
    check("“Send it again now” sends the delivery again", sum("type=open" in r[2] for r in received) == opens_before + 1)
    browser.get(loop_url + "/deliveries")
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Recover']"))
    check("recovering failed deliveries says how many", "0 failed deliveries queued again." in text(), text()[:300])
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Replay']"))
    check("replaying a window says how many events", "1 event queued to be sent again." in text(), text()[:300])
    for _ in range(50):
        if sum("type=open" in r[2] for r in received) > opens_before + 1:
            break
        time.sleep(0.1)
    check("and sends them", sum("type=open" in r[2] for r in received) == opens_before + 2)

    click_and_wait(browser.find_element(By.LINK_TEXT, "Statistics"))
    opens = find(By.ID, "total-open").text
    check("the statistics count the open", opens == "1", opens)
    check("the charts are SVG drawn by the server", len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) == 7)
    shot("10-statistics")
    browser.find_element(By.ID, "tag").send_keys("july")
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Show']"))
    check("filtering by another tag counts nothing", find(By.ID, "total-open").text == "0")

    click_and_wait(browser.find_element(By.LINK_TEXT, "Events"))
    check("the events page shows the open with its variables",
          "open" in text() and "jane@example.com" in text(), text()[:300])
    browser.find_element(By.TAG_NAME, "summary").click()
    check("an event's variables are shown as sent", '"recipient": "jane@example.com"' in text())
    shot("12-events")
    select = browser.find_element(By.ID, "type")
    select.find_element(By.XPATH, "option[@value='click']").click()
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Show']"))
    check("the events filter by type", "No events of this kind" in text())

    # Outgoing: two mails through the relay wait for the absent smarthost;
    # one is dropped, the other tried again now.
    with smtplib.SMTP("127.0.0.1", submission_port, timeout=30) as client:
        client.login("apikey", key)
        for recipient in ["ann@example.com", "bob@example.com"]:
            client.sendmail("app@shop.example", [recipient],
                            "From: news@shop.example\r\nSubject: Hello\r\n\r\nSee https://shop.example/\r\n")
    click_and_wait(browser.find_element(By.LINK_TEXT, "Outgoing"))
    for _ in range(100):
        if text().count("deferred") >= 3:  # the count, and both rows
            break
        time.sleep(0.2)
        browser.refresh()
    check("the Outgoing page lists both copies as deferred, with the reason",
          "ann@example.com" in text() and "bob@example.com" in text() and text().count("deferred") >= 3, text()[:600])
    shot("14-outgoing")
    row = browser.find_element(By.XPATH, "//tr[td[contains(., 'ann@example.com')]]")
    click_and_wait(row.find_element(By.XPATH, ".//button[text()='Drop']"))
    check("a dropped copy is failed, and the page says so", "is dropped" in text()
          and "554 5.0.0 dropped" in browser.find_element(By.XPATH, "//tr[td[contains(., 'ann@example.com')]]").text,
          text()[:600])
    row = browser.find_element(By.XPATH, "//tr[td[contains(., 'bob@example.com')]]")
    click_and_wait(row.find_element(By.XPATH, ".//button[text()='Retry now']"))
    check("a copy can be tried again now", "is tried again now" in text(), text()[:600])
    shot("15-outgoing-after")

    # The suppression list: an address added by hand, found by search in any case, removed.
    click_and_wait(browser.find_element(By.LINK_TEXT, "Suppressions"))
    check("the suppression list starts empty, and says when soft bounces count",
          "No addresses yet" in text() and "after 5 within 15 days" in text(), text()[:400])
    browser.find_element(By.ID, "new-address").send_keys("Gone@Example.com")
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Suppress']"))
    check("an address added by hand is listed, lower-cased, as manual, for good",
          "gone@example.com is on the list now." in text()
          and "manual" in browser.find_element(By.XPATH, "//tr[td[contains(., 'gone@example.com')]]").text
          and "for good" in text(), text()[:600])
    search = browser.find_element(By.ID, "address")
    search.send_keys("GONE@example.com")
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Search']"))
    check("searching finds it in any case", len(browser.find_elements(By.XPATH, "//tbody/tr")) == 1, text()[:400])
    shot("16-suppressions")
    click_and_wait(browser.find_element(By.XPATH, "//tr[td[contains(., 'gone@example.com')]]//button[text()='Remove']"))
    check("removing it takes it off the list", "is off the list" in text() and "No addresses yet" in text(),
          text()[:400])

    click_and_wait(browser.find_element(By.LINK_TEXT, "Feedback loops"))
    check("the list shows the last hour's success rate", "100% of" in text(), text()[:400])
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Check now']"))
    check("“Check now” calls every validated loop and shows each answer",
          "HTTP 200" in browser.find_element(By.CSS_SELECTOR, "td.check").text)
    shot("13-check-now")

    browser.get(loop_url + "/edit")
    browser.find_element(By.CSS_SELECTOR, "input[name=batch]").click()
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Save']"))
    check("batching a form loop is refused in words next to the limits",
          "format" in find(By.ID, "delivery-error").text.lower(), text()[:300])
    browser.find_element(By.XPATH, "//input[@value='json']").click()
    description = browser.find_element(By.ID, "description")
    description.clear()
    description.send_keys("Edited in the browser")
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Save']"))
    check("edits are saved", "Saved." in text() and "Edited in the browser" in text() and "json" in text())

    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Rotate the secret']"))
    new_secret = find(By.ID, "secret-value").text
    check("rotating shows the new secret once and until when the old one signs",
          new_secret.startswith("whsec_") and new_secret != secret and "keeps signing too until" in text())
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Disable']"))
    check("a loop can be disabled", "Enable again" in text())
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Enable again']"))
    check("and enabled again", "events are sent again" in text())

    browser.set_window_size(390, 844)
    for path in ["/loops", loop_url, loop_url + "/edit", loop_url + "/deliveries", delivery_url, "/events",
                 "/statistics", "/outgoing", "/suppressions"]:
        browser.get(path if path.startswith("http") else base + path)
        width = browser.execute_script("return document.documentElement.scrollWidth")
        check("fits a phone-width screen: " + browser.title, width <= 390, str(width))
    shot("11-phone")
    browser.set_window_size(1280, 900)

    browser.set_window_size(1280, 900)
    browser.get(loop_url)
    browser.find_element(By.CSS_SELECTOR, "input[name=confirm]").click()
    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Delete loop']"))
    check("a confirmed delete removes the loop", "No feedback loops yet" in text())

    click_and_wait(browser.find_element(By.XPATH, "//button[text()='Sign out']"))
    check("signing out returns to the sign-in page", browser.current_url.endswith("/sign-in"))
    browser.get(base + "/loops")
    check("after signing out the pages ask to sign in again", "/sign-in" in browser.current_url)
except Exception as error:
    check("the walk through the dashboard ran to its end", False, repr(error))
    shot("99-failure")
finally:
    browser.quit()
    server.terminate()
    server.wait(timeout=20)
    receiver.shutdown()
    shutil.rmtree(work, ignore_errors=True)

print("%s browser checks failed" % failures if failures else "all browser checks passed")
sys.exit(1 if failures else 0)
