import Foundation
import RicochetStore

/// One event type's counts over the periods of a range, drawn as an SVG bar
/// chart on the server: a bar per period for the total, its machine part
/// paler on top, and a line through the unique counts. Only numbers and
/// escaped labels go in, so the markup is safe to embed.
struct StatisticsChart {
    struct Point {
        let label: String
        let counts: EventCounts
    }

    let title: String
    let points: [Point]

    static let width = 480.0
    static let height = 160.0
    static let left = 40.0
    static let bottom = 24.0
    static let top = 10.0

    var svg: String {
        let peak = max(1, points.map(\.counts.total).max() ?? 0)
        let plotWidth = Self.width - Self.left - 8
        let plotHeight = Self.height - Self.bottom - Self.top
        let slot = plotWidth / Double(max(points.count, 1))
        let barWidth = max(1, slot * 0.7)
        func y(_ value: Int) -> Double { Self.top + plotHeight * (1 - Double(value) / Double(peak)) }
        func x(_ index: Int) -> Double { Self.left + slot * Double(index) + (slot - barWidth) / 2 }
        let total = points.reduce(0) { $0 + $1.counts.total }
        var parts: [String] = [
            """
            <svg class="chart" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" role="img" \
            aria-label="\(escape(title)): \(total) in all, highest \(peak) in one period" \
            xmlns="http://www.w3.org/2000/svg">
            """,
            line(Self.left, Self.top + plotHeight, Self.width - 8, Self.top + plotHeight, class: "axis"),
            text("\(peak)", x: Self.left - 4, y: Self.top + 8, anchor: "end"),
            text("0", x: Self.left - 4, y: Self.top + plotHeight, anchor: "end"),
        ]
        for (index, point) in points.enumerated() where point.counts.total > 0 {
            let human = point.counts.human
            parts.append(
                rect(x(index), y(point.counts.total), barWidth, y(human) - y(point.counts.total), class: "machine"))
            parts.append(rect(x(index), y(human), barWidth, Self.top + plotHeight - y(human), class: "human"))
        }
        let unique = points.enumerated().map { index, point in
            "\(format(x(index) + barWidth / 2)),\(format(y(point.counts.unique)))"
        }
        if points.count > 1 { parts.append("<polyline class=\"unique\" points=\"\(unique.joined(separator: " "))\"/>") }
        if let first = points.first, let last = points.last {
            parts.append(text(first.label, x: Self.left, y: Self.height - 6, anchor: "start"))
            parts.append(text(last.label, x: Self.width - 8, y: Self.height - 6, anchor: "end"))
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    private func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, class name: String) -> String {
        "<rect class=\"\(name)\" x=\"\(format(x))\" y=\"\(format(y))\" width=\"\(format(width))\" height=\"\(format(max(0, height)))\"/>"
    }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, class name: String) -> String {
        "<line class=\"\(name)\" x1=\"\(format(x1))\" y1=\"\(format(y1))\" x2=\"\(format(x2))\" y2=\"\(format(y2))\"/>"
    }

    private func text(_ content: String, x: Double, y: Double, anchor: String) -> String {
        "<text x=\"\(format(x))\" y=\"\(format(y))\" text-anchor=\"\(anchor)\">\(escape(content))</text>"
    }

    private func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
