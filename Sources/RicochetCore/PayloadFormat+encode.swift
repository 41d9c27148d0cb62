extension PayloadFormat {
    /// The request body for a payload in this format.
    public func encode(_ value: PayloadValue) -> String {
        switch self {
        case .form: FormPayloadEncoder.encode(value)
        case .json: JSONPayloadEncoder.encode(value)
        }
    }
}
