import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// The general statistics for people: per event type over a chosen range,
/// as charts, as a table, and as CSV; the most clicked links; by tag.
struct StatisticsPages<Store: StatisticsStore>: Sendable {
    let store: Store
    let page: DashboardPage

    /// The types charted, in this order.
    static var types: [EventType] { [.open, .click, .bounce, .failure, .delivery, .abuse, .unsubscribe] }
    static var maximumPeriods: Int { 2000 }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("statistics", use: show)
        group.get("statistics.csv", use: csv)
    }

    /// What the form asks for: days from and to (inclusive, UTC), hours or days, a tag.
    struct Choice {
        var from: Date
        var to: Date
        var interval: Duration
        var tag: String?
        var error: String?

        init(_ request: Request) {
            let query = request.uri.queryParameters
            let day = 86400.0
            let today = (Date().timeIntervalSince1970 / day).rounded(.down) * day
            interval = query["interval"] == "hour" ? .seconds(3600) : .seconds(86400)
            to = Date(timeIntervalSince1970: today + day)
            from = Date(timeIntervalSince1970: today - (interval == .seconds(3600) ? 1 : 29) * day)
            let tagText = query["tag"].map { String($0).trimmingCharacters(in: .whitespaces) }
            tag = tagText?.isEmpty == false ? tagText : nil
            if let text = query["from"], !text.isEmpty {
                guard let date = DashboardTime.day(String(text)) else {
                    error = "The start is not a date (YYYY-MM-DD)."
                    return
                }
                from = date
            }
            if let text = query["to"], !text.isEmpty {
                guard let date = DashboardTime.day(String(text)) else {
                    error = "The end is not a date (YYYY-MM-DD)."
                    return
                }
                to = date.addingTimeInterval(day)
            }
            if from >= to {
                error = "The start must not come after the end."
            } else if to.timeIntervalSince(from) / Double(interval.components.seconds) > Double(maximumPeriods) {
                error = "That range has more than \(maximumPeriods) periods; choose days, or a shorter range."
            }
        }

        var query: StatisticsQuery { StatisticsQuery(from: from, to: to, tag: tag, interval: interval) }
        var hourly: Bool { interval == .seconds(3600) }

        func label(_ date: Date) -> String {
            hourly
                ? DashboardTime.text(date).replacingOccurrences(of: ":00:00 UTC", with: "h")
                : DashboardTime.dayText(date)
        }
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let choice = Choice(request)
        var data: [String: Any] = [
            "from": DashboardTime.dayText(choice.from), "to": DashboardTime.dayText(choice.to.addingTimeInterval(-1)),
            "hourly": choice.hourly, "tag": choice.tag ?? "",
            "csv": "/statistics.csv?" + (request.uri.query ?? ""),
        ]
        if let error = choice.error {
            data["error"] = error
            return page.render(
                "statistics", title: "Statistics", data: data, session: session, status: .badRequest,
                navigation: "Statistics")
        }
        let statistics = try await store.statistics(of: session.account.id, matching: choice.query)
        data["charts"] = Self.types.map { type in
            let chart = StatisticsChart(
                title: type.rawValue,
                points: statistics.buckets.map {
                    .init(label: choice.label($0.start), counts: $0.counts[type] ?? .init())
                })
            let totals = statistics.totals[type] ?? .init()
            return [
                "type": type.rawValue, "svg": chart.svg, "total": totals.total, "unique": totals.unique,
                "human": totals.human, "machine": totals.machine,
            ] as [String: Any]
        }
        data["headings"] = Self.types.map(\.rawValue)
        data["rows"] = statistics.buckets.map { bucket in
            [
                "period": choice.label(bucket.start),
                "cells": Self.types.map { type in
                    let counts = bucket.counts[type] ?? .init()
                    return ["total": counts.total, "unique": counts.unique]
                },
            ] as [String: Any]
        }
        data["hasLinks"] = !statistics.links.isEmpty
        data["links"] = statistics.links.prefix(20).map { ["url": $0.url, "clicks": $0.clicks, "unique": $0.unique] }
        return page.render("statistics", title: "Statistics", data: data, session: session, navigation: "Statistics")
    }

    /// The same numbers as CSV: one line per period and type.
    @Sendable func csv(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let choice = Choice(request)
        if let error = choice.error { throw APIError.badRequest(error, code: "invalid_field") }
        let statistics = try await store.statistics(of: session.account.id, matching: choice.query)
        var lines = ["period_start,type,total,unique,human,machine"]
        for bucket in statistics.buckets {
            for type in Self.types {
                let counts = bucket.counts[type] ?? .init()
                lines.append(
                    "\(ISO8601DateFormatter().string(from: bucket.start)),\(type.rawValue),\(counts.total),\(counts.unique),\(counts.human),\(counts.machine)"
                )
            }
        }
        var headers = DashboardPage.headers
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"ricochet-statistics.csv\""
        return Response(
            status: .ok, headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\r\n") + "\r\n")))
    }
}
