/// Text from HTML for reading diagnostics: tags dropped, block ends as
/// line breaks, the common entities decoded.
enum HTMLText {
    static func plain(_ html: String) -> String {
        var output = ""
        var inTag = false
        var tag = ""
        for character in html {
            if inTag {
                if character == ">" {
                    inTag = false
                    let name = tag.lowercased().split(whereSeparator: { $0 == " " || $0 == "/" }).first ?? ""
                    if ["br", "p", "div", "tr", "li", "table", "h1", "h2", "h3"].contains(String(name)) {
                        output.append("\n")
                    }
                    tag = ""
                } else {
                    tag.append(character)
                }
            } else if character == "<" {
                inTag = true
            } else {
                output.append(character)
            }
        }
        return output.replacingEntities()
    }
}

extension String {
    fileprivate func replacingEntities() -> String {
        var text = self
        for (entity, value) in [
            ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", " "), ("&amp;", "&"),
        ] where text.contains(entity) {
            text = text.split(separator: entity, omittingEmptySubsequences: false).joined(separator: value)
        }
        return text
    }
}
