import Foundation
import Hummingbird
import Logging

/// Outermost middleware: every error becomes a problem answer (unexpected ones a generic 500, logged, with
/// no path or trace), every answer is counted and timed by route pattern and status.
struct ProblemAndMetricsMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let p as Problem {
            response = p.response()
        } catch let e as HTTPError where e.status == .notFound {
            // A known path with another method: 405 and the methods it takes.
            let allowed = ServiceRoutes.methods(forPath: request.uri.path)
            if allowed.isEmpty {
                response = Self.problem(e).response()
            } else {
                response = Problem(.methodNotAllowed, "Method not allowed", detail: "this resource takes \(allowed.joined(separator: ", "))").response()
                response.headers[.allow] = allowed.joined(separator: ", ")
            }
        } catch let e as HTTPError {
            response = Self.problem(e).response()
        } catch is CancellationError {
            response = Problem.timeout("the request was cancelled").response()
        } catch {
            context.logger.error("unexpected error on \(request.method) \(context.endpointPath ?? "-"): \(error)")
            response = Problem.internalError().response()
        }
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        let d = ContinuousClock.now - start
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        metrics.recordRequest(method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
                              status: Int(response.status.code), seconds: seconds)
        return response
    }

    static func problem(_ e: HTTPError) -> Problem {
        switch e.status {
        case .notFound: return .notFound("no such resource")
        case .methodNotAllowed: return Problem(.methodNotAllowed, "Method not allowed", detail: "this resource does not accept that method")
        case .contentTooLarge: return .tooLarge("body: over the size limit", field: "body")
        case .badRequest: return .badRequest("the request is malformed")
        default: return Problem(e.status, e.status.reasonPhrase, detail: e.status.reasonPhrase.lowercased())
        }
    }
}

/// Requires an API key of at least `scope` (`Authorization: Bearer vtf_...`): 401 without a valid key,
/// 403 with a key of a lower scope.
struct RequireScope: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let scope: Scope
    let store: any ServiceStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthorized("an API key is required: Authorization: Bearer <key>")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].hasPrefix(APIKeys.prefix) else {
            throw Problem.unauthorized("the Authorization header must be: Bearer <key>")
        }
        guard let key = try await store.key(hash: APIKeys.hash(String(parts[1]))), key.revokedAt == nil else {
            throw Problem.unauthorized("the API key is not valid (unknown or revoked)")
        }
        guard key.scope >= scope else {
            throw Problem.forbidden("this needs an API key with scope '\(scope.rawValue)'; the key has '\(key.scope.rawValue)'")
        }
        var context = context
        context.key = key
        return try await next(request, context)
    }
}
