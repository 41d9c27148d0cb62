import NIOCore

/// One line from an SMTP client, its line end removed.
struct SMTPLine {
    let bytes: [UInt8]
    /// Longer than the decoder keeps: the rest was dropped.
    let truncated: Bool
}

/// Splits the byte stream at LF (a CR before it is dropped), keeping at
/// most `maximumLength` bytes of a line: a client cannot make the server
/// hold an endless line.
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPLine

    let maximumLength: Int
    private var discarding = false

    init(maximumLength: Int) {
        self.maximumLength = maximumLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maximumLength {
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                discarding = true
            }
            return .needMoreData
        }
        var line = buffer.readBytes(length: newline - buffer.readerIndex) ?? []
        buffer.moveReaderIndex(forwardBy: 1)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        let truncated = discarding || line.count > maximumLength
        discarding = false
        if line.count > maximumLength { line.removeLast(line.count - maximumLength) }
        context.fireChannelRead(wrapInboundOut(SMTPLine(bytes: line, truncated: truncated)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A last line without its line end is not a command: it is dropped.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }
}
