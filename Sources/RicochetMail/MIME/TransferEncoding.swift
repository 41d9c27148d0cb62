/// Content-Transfer-Encoding decoders, tolerant of the damage real mail
/// carries: characters outside the alphabet are skipped, a bad escape is
/// kept as written.
public enum TransferEncoding {
    /// Decodes `bytes` sent with the named encoding; 7bit, 8bit, binary and
    /// anything unknown come back as they are.
    public static func decode(_ bytes: ArraySlice<UInt8>, encoding: String?) -> [UInt8] {
        switch encoding?.lowercased().trimmingSpaces() {
        case "base64": base64(bytes)
        case "quoted-printable": quotedPrintable(bytes)
        default: Array(bytes)
        }
    }

    public static func base64<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in bytes {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="): return output
            default: continue
            }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return output
    }

    /// Quoted-printable (RFC 2045); `underscoreIsSpace` for the Q encoding
    /// of header words (RFC 2047).
    public static func quotedPrintable<Bytes: Collection<UInt8>>(_ bytes: Bytes, underscoreIsSpace: Bool = false)
        -> [UInt8]
    {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "_"), underscoreIsSpace {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "=") {
                // A soft line break: "=" then optional spaces then the line end.
                var end = index + 1
                while end < input.count, input[end] == UInt8(ascii: " ") || input[end] == UInt8(ascii: "\t") {
                    end += 1
                }
                if end < input.count, input[end] == UInt8(ascii: "\r") { end += 1 }
                if end < input.count, input[end] == UInt8(ascii: "\n") {
                    index = end + 1
                    continue
                }
                if end >= input.count {
                    index = end
                    continue
                }
                if index + 2 < input.count, let high = hex(input[index + 1]), let low = hex(input[index + 2]) {
                    output.append(high << 4 | low)
                    index += 3
                    continue
                }
                output.append(byte)
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
