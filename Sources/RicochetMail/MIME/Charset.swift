import Foundation

/// Text from bytes in a named character set. Unknown or missing charsets, and
/// bytes that are not what they claim, fall back to UTF-8 when valid, else
/// Latin-1: some text always comes out.
public enum Charset {
    public static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes, charset: String?) -> String {
        let name = (charset ?? "").lowercased().trimmingSpaces().trimmingCharacters(
            in: CharacterSet(charactersIn: "\"'"))
        if let encoding = encoding(named: name), encoding != .utf8, encoding != .ascii,
            let text = String(data: Data(bytes), encoding: encoding)
        {
            return text
        }
        return MailText.string(bytes)
    }

    static func encoding(named name: String) -> String.Encoding? {
        switch name {
        case "utf-8", "utf8": .utf8
        case "us-ascii", "ascii", "ansi_x3.4-1968": .ascii
        case "iso-8859-1", "latin1", "iso8859-1", "iso_8859-1": .isoLatin1
        case "iso-8859-2", "latin2": .isoLatin2
        case "windows-1252", "cp1252": .windowsCP1252
        case "windows-1250", "cp1250": .windowsCP1250
        case "windows-1251", "cp1251": .windowsCP1251
        case "iso-2022-jp", "csiso2022jp": .iso2022JP
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "cp932", "windows-31j": .shiftJIS
        case "euc-jp", "x-euc-jp": .japaneseEUC
        case "utf-16": .utf16
        default: nil
        }
    }
}
