#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Text from bytes in a named character set, converted by the C library's
/// iconv (every charset real mail uses: ISO-2022-JP, Shift_JIS, GB2312,
/// KOI8-R, the Windows code pages, …). Unknown or missing charsets fall back
/// to UTF-8 when valid, else Latin-1; bytes that are not what the charset
/// claims are skipped. Some text always comes out.
public enum Charset {
    public static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes, charset: String?) -> String {
        let name = (charset ?? "").trimmingSpaces().filter { $0 != "\"" && $0 != "'" }.lowercased()
        if name.isEmpty || name == "utf-8" || name == "utf8" || name == "us-ascii" || name == "ascii" {
            return MailText.string(bytes)
        }
        return convert(Array(bytes), from: name) ?? MailText.string(bytes)
    }

    /// At most this many bytes skipped as unconvertible before giving up.
    static let maximumSkips = 4096

    static func convert(_ input: [UInt8], from charset: String) -> String? {
        transcode(input, from: charset, to: "UTF-8", skipping: maximumSkips).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `input` converted by iconv; bytes that are not valid in `source` are
    /// skipped, up to `skipping` of them, else the conversion fails. A
    /// stateful target (ISO-2022-JP) is shifted back to its initial state.
    static func transcode(_ input: [UInt8], from source: String, to target: String, skipping: Int) -> [UInt8]? {
        let converter = iconv_open(target, source)
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var output = [UInt8](repeating: 0, count: input.count * 4 + 64)
        var skips = 0
        var sourceBytes = input.map { CChar(bitPattern: $0) }
        let produced: Int? = sourceBytes.withUnsafeMutableBufferPointer { sourceBuffer in
            output.withUnsafeMutableBytes { outputBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = sourceBuffer.baseAddress
                var inLeft = sourceBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = outputBuffer.baseAddress?.assumingMemoryBound(
                    to: CChar.self)
                var outLeft = outputBuffer.count
                while inLeft > 0 {
                    if iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1 { break }
                    // A byte that is not valid here, or a sequence cut short: skip one byte.
                    guard errno == EILSEQ || errno == EINVAL, skips < skipping else { return nil }
                    skips += 1
                    inPointer = inPointer.map { $0 + 1 }
                    inLeft -= 1
                }
                guard iconv(converter, nil, nil, &outPointer, &outLeft) != -1 else { return nil }
                return outputBuffer.count - outLeft
            }
        }
        return produced.map { Array(output[..<$0]) }
    }
}
