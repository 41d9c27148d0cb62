import RicochetCore

extension EventDraft {
    /// What the event says about its recipient's address for the
    /// suppression list: a failure is a hard or a soft bounce (as its
    /// reporter decided, or as the bounce reasons read its code, status and
    /// words), an abuse report a complaint, an unsubscribe an unsubscribe. Deliveries, delays, opens and
    /// clicks say nothing; nor does a failure Ricochet made itself because
    /// the address was suppressed already.
    public var suppressionSignal: SuppressionSignal? {
        switch self {
        case .tracking:
            return nil
        case .returned(let mail):
            return mail.kind == .abuse ? .complaint : nil
        case .unsubscribe:
            return .unsubscribe
        case .report(let report):
            guard report.kind == .failure, report.state != MTAReport.suppressedState,
                report.action.isEmpty || report.action == "failed"
            else { return nil }
            let permanent =
                report.permanent
                ?? ReasonClassifier.classify(
                    diagnostic: report.description, status: report.extended.isEmpty ? nil : report.extended,
                    code: report.code == 0 ? nil : report.code, action: "failed"
                ).isHard(
                    status: report.extended.isEmpty ? nil : report.extended, code: report.code == 0 ? nil : report.code)
            return permanent ? .hardBounce : .softBounce
        }
    }
}
