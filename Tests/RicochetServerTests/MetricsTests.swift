import Foundation
import Testing

@testable import RicochetServer

@Suite("Prometheus metrics")
struct MetricsTests {
    /// The exposition's samples by series (`name{labels}`), and its HELP and TYPE lines by family.
    struct Exposition {
        var samples: [String: Double] = [:]
        var help: [String: String] = [:]
        var types: [String: String] = [:]

        init(_ text: String) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 3)
                if line.hasPrefix("# HELP "), parts.count >= 3 {
                    help[String(parts[2])] = parts.count > 3 ? String(parts[3]) : ""
                } else if line.hasPrefix("# TYPE "), parts.count == 4 {
                    types[String(parts[2])] = String(parts[3])
                } else if !line.hasPrefix("#"), let space = line.lastIndex(of: " ") {
                    samples[String(line[..<space])] = Double(line[line.index(after: space)...])
                }
            }
        }

        subscript(_ series: String) -> Double? { samples[series] }
    }

    static func scrape(port: Int) async throws -> (RawHTTP.Response, Exposition) {
        let (responses, _) = try await RawHTTP.exchange(
            port: port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", count: 1)
        let response = try #require(responses.first)
        return (response, Exposition(String(decoding: response.body, as: UTF8.self)))
    }

    @Test("hits, API calls, events, deliveries, SMTP sessions and returned mail are counted, every family with help")
    func counts() async throws {
        let bound = BoundPorts()
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run(
                configure: {
                    $0.metrics = .init(host: "127.0.0.1", port: 0)
                    $0.smtp = .init(host: "127.0.0.1", port: 0)
                }, bound: bound
            ) { api, tenants in
                let ports = await bound.ready()
                let metricsPort = try #require(ports.metricsPort)
                let smtpPort = try #require(ports.smtpPort)
                #expect(
                    try await DeliveryTests.eventually {
                        (try? await api.call(.get, "/readyz", key: nil).status) == .ok
                    }, "ready once every listener, the metrics' too, is bound")
                let (first, before) = try await Self.scrape(port: metricsPort)
                #expect(first.status == 200)
                #expect(first.header("content-type") == "text/plain; version=0.0.4; charset=utf-8")
                #expect(before[#"ricochet_events_recorded_total{type="open",machine="false"}"#] == 0)
                #expect(before[#"ricochet_deliveries_total{outcome="succeeded"}"#] == 0)
                #expect(before["ricochet_deliveries_queued"] == 0)
                #expect(try #require(before["process_resident_memory_bytes"]) > 1_000_000)
                #expect(try #require(before["process_start_time_seconds"]) > Date().timeIntervalSince1970 - 3600)
                #expect(try #require(before["process_max_fds"]) >= 1)
                #expect(
                    before.samples.keys.contains {
                        $0.hasPrefix("ricochet_build_info{") && $0.contains(#"backend="sqlite""#)
                    })

                await receiver.set("/hooks/receive.php", .init(body: "thanks"))
                _ = try await api.validatedLoopJSON(
                    key: tenants.alice, receiver: receiver, base: base, events: ["open", "bounce"])
                try await DeliveryTests.open(api, key: tenants.alice)
                #expect(try await DeliveryTests.eventually { await !receiver.posts(to: "/hooks/receive.php").isEmpty })
                #expect((try await api.call(.get, "/no/such/page", key: nil)).status == .notFound)
                let transcript = try await SMTPTestClient.send(
                    port: smtpPort, from: "", to: ["bounces@127.0.0.1"],
                    message: "From: someone@example.org\r\nSubject: hello\r\n\r\nabout nothing of ours\r\n")
                #expect(transcript.contains("250 2.0.0"), "\(transcript)")

                #expect(
                    try await DeliveryTests.eventually {
                        let now = try await Self.scrape(port: metricsPort).1
                        return now[#"ricochet_deliveries_total{outcome="succeeded"}"#] == 1
                            && now[#"ricochet_inbound_mail_total{kind="unmatched"}"#] == 1
                    }, "the delivery and the returned mail are counted")
                let after = try await Self.scrape(port: metricsPort).1
                let opens = ["false", "true"].compactMap {
                    after[#"ricochet_events_recorded_total{type="open",machine="\#($0)"}"#]
                }
                #expect(opens.reduce(0, +) == 1, "one open, by a person or (this soon after sending) a machine")
                #expect(after[#"ricochet_http_requests_total{route="/t/o/{token}",status="200"}"#] == 1)
                #expect(after[#"ricochet_http_requests_total{route="/api/v1/messages",status="201"}"#] == 1)
                #expect(after[#"ricochet_http_requests_total{route="unmatched",status="404"}"#] == 1)
                #expect(after[#"ricochet_smtp_sessions_total{listener="receiver",result="quit"}"#] == 1)
                #expect(after["ricochet_delivery_lag_seconds_count"] == 1)
                #expect(after["ricochet_delivery_duration_seconds_count"] == 1)
                #expect(after[#"ricochet_delivery_lag_seconds_bucket{le="+Inf"}"#] == 1)
                #expect(after["ricochet_loops_owned"] == 1)
                #expect(after["ricochet_deliveries_queued"] == 0)
                #expect(after[#"ricochet_relay_copies_queued{state="queued"}"#] == 0)
                #expect(try #require(after["process_cpu_seconds_total"]) > 0)
                for family in after.types.keys {
                    #expect(!(after.help[family] ?? "").isEmpty, "\(family) has help")
                }
                for series in after.samples.keys {
                    #expect(!series.contains("loop_") && !series.contains("@"), "no ids or addresses: \(series)")
                }
            }
        }
    }

    @Test("the metrics listener answers only what it serves, as JSON errors")
    func listener() async throws {
        let bound = BoundPorts()
        try await Harness.run(configure: { $0.metrics = .init(host: "127.0.0.1", port: 0) }, bound: bound) { api, _ in
            let metricsPort = try #require(await bound.ready().metricsPort)
            #expect(
                try await DeliveryTests.eventually { (try? await api.call(.get, "/readyz", key: nil).status) == .ok })
            let (responses, _) = try await RawHTTP.exchange(
                port: metricsPort,
                "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\nPOST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
                count: 2)
            #expect(responses.map(\.status) == [404, 404])
            #expect(String(decoding: responses[0].body, as: UTF8.self).contains(#""error""#))
        }
    }

    @Test("/proc/self/stat is read from its last parenthesis, whatever the command is called")
    func processStat() throws {
        let stat =
            "4242 (odd) name) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 50 0 0 20 0 9 0 12345 104857600 2560 "
            + "18446744073709551615 1 1 0 0 0 0 0 4096 17922 0 0 0 17 1 0 0 0 0 0\n"
        let sample = try #require(
            ProcessSample.parse(stat: stat, bootTime: 1_700_000_000, ticksPerSecond: 100, pageSize: 4096))
        #expect(sample.cpuSeconds == 2.0)
        #expect(sample.virtualBytes == 104_857_600)
        #expect(sample.residentBytes == 2560 * 4096)
        #expect(sample.startTime == 1_700_000_000 + 123.45)
        #expect(ProcessSample.bootTime("cpu  1 2 3\nbtime 1700000000\nprocesses 9\n") == 1_700_000_000)
        #expect(ProcessSample.parse(stat: "garbage", bootTime: 0, ticksPerSecond: 100, pageSize: 4096) == nil)
        #expect(ProcessSample.read() != nil, "this machine has /proc")
    }
}
