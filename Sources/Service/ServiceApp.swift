import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP application of a service, and running it until SIGTERM/SIGINT (graceful: the listener closes,
/// requests in flight finish, then the process exits).
public enum ServiceApp {
    public typealias App = Application<RouterResponder<ServiceRequestContext>>

    public static func application(_ service: InspectionService, logger: Logger,
                                   onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> App {
        Application(router: ServiceRoutes.router(service),
                    server: .http1(configuration: .init(idleTimeout: .seconds(75))),
                    configuration: .init(address: .hostname(service.config.host, port: service.config.port), serverName: "vtfusion"),
                    onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                    logger: logger)
    }

    /// Runs until a shutdown signal.
    public static func run(_ service: InspectionService, logger: Logger, also: [any ServiceLifecycle.Service] = [],
                           onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = application(service, logger: logger, onServerRunning: onServerRunning)
        let group = ServiceGroup(configuration: .init(services: [app] + also, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
