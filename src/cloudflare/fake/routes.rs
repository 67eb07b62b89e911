//! The fake's HTTP face: one handler that records the request, applies faults, the rate limit and
//! the token's permissions, then carries out the operation on the world.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::world::{
    Association, CertificateRelease, FakeZone, FaultKind, Permission, RecordedRequest,
    UnassociatedAnswer, World, now_text,
};

type Shared = Arc<Mutex<World>>;

pub(super) fn router(world: Shared) -> Router {
    Router::new()
        .route("/edge/{hostname}", axum::routing::get(edge))
        .route("/edge-ca", axum::routing::get(edge_ca))
        .fallback(handle)
        .with_state(world)
}

/// Not part of Cloudflare's API: the demo's stand-in for Cloudflare's edge. A GET for
/// `hostname` connects to the origin named in `?origin=IP:PORT` presenting the certificate AOP
/// would present, and answers as the edge would (the origin's status, or 52x).
async fn edge(
    State(world): State<Shared>,
    axum::extract::Path(hostname): axum::extract::Path<String>,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    use crate::probe::{AttemptTarget, ClientIdentity, Outcome};
    let Some(Ok(address)) = params.get("origin").map(|o| crate::probe::parse_origin(o)) else {
        return (StatusCode::BAD_REQUEST, "?origin=IP:PORT is required").into_response();
    };
    let identity = lock(&world).edge_identity(&hostname);
    let identity = match identity {
        Err((status, why)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, why).into_response();
        }
        Ok(None) => None,
        Ok(Some((cert, key))) => match ClientIdentity::from_pem(&cert, &key) {
            Ok(identity) => Some(identity),
            Err(why) => {
                return (StatusCode::INTERNAL_SERVER_ERROR, why.to_string()).into_response();
            }
        },
    };
    let target = AttemptTarget {
        address,
        hostname,
        path: "/".into(),
    };
    let timeout = Duration::from_secs(5);
    let report = match super::edge_source(address) {
        Some(from) => {
            crate::probe::attempt_once_from(&target, identity.as_ref(), timeout, from).await
        }
        None => crate::probe::attempt_once(&target, identity.as_ref(), timeout).await,
    };
    let status = report.outcome.status_through_cloudflare();
    let body = match report.outcome {
        Outcome::Http { .. } => "served by the origin".to_string(),
        Outcome::NginxCertificateError { message } => format!("<center>{message}</center>"),
        Outcome::Forbidden => "forbidden by the origin".into(),
        Outcome::HandshakeRejected { alert } => format!("SSL handshake failed: {alert}"),
        Outcome::ConnectionRefused => "web server is down".into(),
        Outcome::Timeout => "connection timed out".into(),
        Outcome::Failed { error } => error,
        broken @ (Outcome::NotTls { .. }
        | Outcome::ClosedDuringHandshake
        | Outcome::HandshakeTooLarge) => format!("SSL handshake failed: {}", broken.describe()),
    };
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
        body,
    )
        .into_response()
}

/// Not part of Cloudflare's API: the CA of the demo edge's stand-in for Cloudflare's shared
/// certificate (PEM), which the demo's origin trusts beside Cloudflare's real CA so that global
/// AOP can be proven end to end on loopback.
async fn edge_ca(State(world): State<Shared>) -> Response {
    match lock(&world).shared_stand_in() {
        Ok(stand_in) => (StatusCode::OK, stand_in.ca_pem.clone()).into_response(),
        Err(why) => (StatusCode::INTERNAL_SERVER_ERROR, why).into_response(),
    }
}

/// A finished answer: HTTP status and the JSON body.
type Answer = (StatusCode, Value);

fn success(result: Value) -> Answer {
    (
        StatusCode::OK,
        json!({ "success": true, "errors": [], "messages": [], "result": result }),
    )
}

fn success_list(items: Vec<Value>, page: usize, per_page: usize) -> Answer {
    let total = items.len();
    let pages = total.div_ceil(per_page.max(1)).max(1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let count = slice.len();
    (
        StatusCode::OK,
        json!({ "success": true, "errors": [], "messages": [], "result": slice,
                "result_info": { "page": page, "per_page": per_page, "count": count, "total_count": total, "total_pages": pages } }),
    )
}

fn failure(status: u16, code: i64, message: &str) -> Answer {
    failure_with_chain(status, code, message, Vec::new())
}

fn failure_with_chain(status: u16, code: i64, message: &str, chain: Vec<Value>) -> Answer {
    let mut error = json!({ "code": code, "message": message });
    if !chain.is_empty() {
        error["error_chain"] = Value::Array(chain);
    }
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        json!({ "success": false, "errors": [error], "messages": [], "result": null }),
    )
}

fn lock(world: &Shared) -> std::sync::MutexGuard<'_, World> {
    world
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Which operation a request is, and the permission it needs (None: any valid token).
fn classify(method: &Method, segments: &[&str]) -> Option<(&'static str, Option<Permission>)> {
    use Permission::*;
    let m = method.as_str();
    Some(match (m, segments) {
        ("GET", ["user", "tokens", "verify"]) => ("verify_token", None),
        ("GET", ["ips"]) => ("list_ips", None),
        ("GET", ["accounts", _, "tokens", "verify"]) => ("verify_account_token", None),
        ("GET", ["zones"]) => ("list_zones", Some(ZoneRead)),
        ("GET", ["zones", _, "settings", _]) => ("get_setting", Some(ZoneSettingsRead)),
        ("PATCH", ["zones", _, "settings", _]) => ("edit_setting", Some(ZoneSettingsWrite)),
        ("GET", ["zones", _, "dns_records"]) => ("list_dns_records", Some(DnsRead)),
        ("GET", ["zones", _, "custom_hostnames"]) => ("list_custom_hostnames", Some(SslRead)),
        ("GET", ["zones", _, "origin_tls_client_auth"]) => {
            ("list_zone_certificates", Some(SslRead))
        }
        ("POST", ["zones", _, "origin_tls_client_auth"]) => {
            ("upload_zone_certificate", Some(SslWrite))
        }
        ("GET", ["zones", _, "origin_tls_client_auth", "settings"]) => {
            ("get_zone_aop_setting", Some(SslRead))
        }
        ("PUT", ["zones", _, "origin_tls_client_auth", "settings"]) => {
            ("set_zone_aop_setting", Some(SslWrite))
        }
        ("PUT", ["zones", _, "origin_tls_client_auth", "hostnames"]) => {
            ("set_hostname_associations", Some(SslWrite))
        }
        (
            "GET",
            [
                "zones",
                _,
                "origin_tls_client_auth",
                "hostnames",
                "certificates",
            ],
        ) => ("list_hostname_certificates", Some(SslRead)),
        (
            "POST",
            [
                "zones",
                _,
                "origin_tls_client_auth",
                "hostnames",
                "certificates",
            ],
        ) => ("upload_hostname_certificate", Some(SslWrite)),
        (
            "GET",
            [
                "zones",
                _,
                "origin_tls_client_auth",
                "hostnames",
                "certificates",
                _,
            ],
        ) => ("get_hostname_certificate", Some(SslRead)),
        (
            "DELETE",
            [
                "zones",
                _,
                "origin_tls_client_auth",
                "hostnames",
                "certificates",
                _,
            ],
        ) => ("delete_hostname_certificate", Some(SslWrite)),
        ("GET", ["zones", _, "origin_tls_client_auth", "hostnames", _]) => {
            ("get_hostname_association", Some(SslRead))
        }
        ("GET", ["zones", _, "origin_tls_client_auth", _]) => {
            ("get_zone_certificate", Some(SslRead))
        }
        ("DELETE", ["zones", _, "origin_tls_client_auth", _]) => {
            ("delete_zone_certificate", Some(SslWrite))
        }
        ("GET", ["accounts", _, "alerting", "v3", "policies"]) => {
            ("list_alert_policies", Some(NotificationsWrite))
        }
        ("POST", ["accounts", _, "alerting", "v3", "policies"]) => {
            ("create_alert_policy", Some(NotificationsWrite))
        }
        ("DELETE", ["accounts", _, "alerting", "v3", "policies", _]) => {
            ("delete_alert_policy", Some(NotificationsWrite))
        }
        ("GET", ["accounts", _, "alerting", "v3", "available_alerts"]) => {
            ("list_available_alerts", Some(NotificationsWrite))
        }
        _ => return None,
    })
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                key.to_string(),
                value.replace("%40", "@").replace("%2E", "."),
            )
        })
        .collect()
}

fn looks_like_global_key(value: &str) -> bool {
    (37..=45).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

enum Caller {
    Token(String),
    GlobalKey(String),
}

fn authenticate(world: &World, headers: &HeaderMap, operation: &str) -> Result<Caller, Answer> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let verify = operation.starts_with("verify");
    if let Some(authorization) = header("authorization") {
        let Some(token) = authorization.strip_prefix("Bearer ") else {
            return Err(failure_with_chain(
                400,
                6003,
                "Invalid request headers",
                vec![json!({"code": 6111, "message": "Invalid format for Authorization header"})],
            ));
        };
        if looks_like_global_key(token) || world.global_keys.iter().any(|(_, key)| key == token) {
            return Err(failure_with_chain(
                400,
                6003,
                "Invalid request headers",
                vec![json!({"code": 6111, "message": "Invalid format for Authorization header"})],
            ));
        }
        if !world.tokens.contains_key(token) {
            return Err(if verify {
                failure(401, 1000, "Invalid API Token")
            } else {
                failure(403, 10000, "Authentication error")
            });
        }
        let account_owned = world.tokens[token].1;
        if operation == "verify_token" && account_owned {
            return Err(failure(401, 1000, "Invalid API Token"));
        }
        return Ok(Caller::Token(token.to_string()));
    }
    match (header("x-auth-email"), header("x-auth-key")) {
        (Some(_), Some(_)) if verify => Err(failure(400, 1001, "Missing \"Authorization\" header")),
        (Some(email), Some(key))
            if world
                .global_keys
                .iter()
                .any(|(e, k)| *e == email && *k == key) =>
        {
            Ok(Caller::GlobalKey(email))
        }
        (Some(_), Some(_)) => Err(failure_with_chain(
            400,
            6003,
            "Invalid request headers",
            vec![json!({"code": 6103, "message": "Invalid format for X-Auth-Key header"})],
        )),
        _ => Err(failure(
            400,
            9106,
            "Missing X-Auth-Key, X-Auth-Email or Authorization headers",
        )),
    }
}

async fn handle(
    State(world): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(path) = uri.path().strip_prefix("/client/v4/") else {
        return reply(failure(404, 7000, "No route for that URI"));
    };
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let Some((operation, permission)) = classify(&method, &segments) else {
        return reply(failure(404, 7000, "No route for that URI"));
    };
    let query = query_pairs(&uri);
    let body_text = String::from_utf8_lossy(&body).into_owned();
    let fault = {
        let mut w = lock(&world);
        w.requests.push(RecordedRequest {
            operation: operation.into(),
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().unwrap_or_default().to_string(),
            header_names: headers.keys().map(|k| k.as_str().to_string()).collect(),
            body: body_text.clone(),
            status: 0,
            response: Value::Null,
        });
        let count = {
            let entry = w.calls.entry(operation.to_string()).or_insert(0);
            *entry += 1;
            *entry
        };
        if w.hang_every_request || w.hanging.contains(operation) {
            None
        } else {
            Some(
                w.faults
                    .iter()
                    .find(|f| f.operation == operation && f.nth == count)
                    .map(|f| f.kind),
            )
        }
    };
    let Some(fault) = fault else {
        // A hanging API: the connection stays open and no answer ever comes.
        return std::future::pending().await;
    };
    if let Some(FaultKind::Hang(delay)) = fault {
        // Nothing is carried out until the delay is over: a client killed meanwhile changed
        // nothing with this request.
        tokio::time::sleep(delay).await;
    }
    let (answer, retry_after) = {
        let mut w = lock(&world);
        let (answer, retry_after) = match fault {
            Some(FaultKind::TooManyRequests) => (too_many_requests(), Some(0)),
            Some(FaultKind::ServerError) => {
                (failure(500, 10002, "An unknown error has occurred"), None)
            }
            Some(FaultKind::Refused {
                status,
                code,
                message,
            }) => (failure(status, code, message), None),
            _ => answer_request(
                &mut w, &headers, operation, permission, &segments, &query, &body_text,
            ),
        };
        // The answer is kept with its request so the contract test can check both against the
        // spec: the last unanswered request like it, as others may have arrived meanwhile.
        if let Some(recorded) = w
            .requests
            .iter_mut()
            .rev()
            .find(|r| r.status == 0 && r.operation == operation && r.body == body_text)
        {
            recorded.status = answer.0.as_u16();
            recorded.response = answer.1.clone();
        }
        (answer, retry_after)
    };
    match (fault, retry_after) {
        (Some(FaultKind::Timeout(delay)), _) => {
            tokio::time::sleep(delay).await;
            reply(answer)
        }
        (Some(FaultKind::MalformedJson), _) => (
            StatusCode::OK,
            [("content-type", "application/json")],
            "{\"success\": true, \"result\": {\"id\": ",
        )
            .into_response(),
        (_, Some(seconds)) => reply_with_retry_after(answer, seconds),
        _ => reply(answer),
    }
}

/// Authentication, permission, rate limit, then the operation itself; a change that leaves a
/// scope without the active certificate it had is recorded as a coverage gap.
fn answer_request(
    w: &mut World,
    headers: &HeaderMap,
    operation: &str,
    permission: Option<Permission>,
    segments: &[&str],
    query: &[(String, String)],
    body_text: &str,
) -> (Answer, Option<u64>) {
    if operation == "list_ips" {
        // Public, as on Cloudflare: answered without credentials or rate limit.
        let (ipv4, ipv6) = &w.published_ranges;
        return (
            success(json!({ "ipv4_cidrs": ipv4, "ipv6_cidrs": ipv6, "etag": "fake-etag" })),
            None,
        );
    }
    let caller = match authenticate(w, headers, operation) {
        Err(refusal) => return (refusal, None),
        Ok(caller) => caller,
    };
    let (key, allowed) = match &caller {
        Caller::Token(token) => (token.clone(), w.allows(token, permission)),
        Caller::GlobalKey(email) => (email.clone(), true),
    };
    if let Some(wait) = rate_limited(w, &key) {
        return (too_many_requests(), Some(wait));
    }
    if !allowed {
        return (
            failure(403, 9109, "Unauthorized to access requested resource"),
            None,
        );
    }
    let body: Value = serde_json::from_str(body_text).unwrap_or(Value::Null);
    let covered_before = w.covered_scopes();
    // An ignored write is carried out for its answer, which then claims a change that the
    // restored state does not have: only a read-back notices.
    let saved = w
        .ignored_writes
        .contains(operation)
        .then(|| (w.zones.clone(), w.policies.clone()));
    let answer = operate(w, operation, segments, query, &body);
    if let Some((zones, policies)) = saved {
        w.zones = zones;
        w.policies = policies;
    }
    w.record_gaps(&covered_before, operation);
    (answer, None)
}

fn reply((status, body): Answer) -> Response {
    (status, axum::Json(body)).into_response()
}

/// Cloudflare's 429: code 971 and the seconds until capacity returns.
const DEMO_USER_ID: &str = "7c5dae5552338874e5053f2534d2767a";

/// A zone as `GET /zones` lists it, with every field the published schema requires.
fn zone_json(zone: &FakeZone) -> Value {
    json!({
        "id": zone.id, "name": zone.name, "status": "active", "paused": false, "type": "full",
        "development_mode": 0,
        "account": { "id": zone.account_id, "name": "Demo account" },
        "owner": { "id": DEMO_USER_ID, "name": "demo@example.com", "type": "user" },
        "meta": { "cdn_only": false, "custom_certificate_quota": 0, "dns_only": false,
                  "foundation_dns": false, "page_rule_quota": 3, "phishing_detected": false, "step": 2 },
        "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
        "original_name_servers": null, "original_registrar": null, "original_dnshost": null,
        "created_on": zone.created_on, "modified_on": zone.created_on, "activated_on": zone.created_on,
    })
}

fn too_many_requests() -> Answer {
    failure(
        429,
        971,
        "Please wait and consider throttling your request speed",
    )
}

fn reply_with_retry_after(answer: Answer, seconds: u64) -> Response {
    let mut response = reply(answer);
    if let Ok(value) = seconds.to_string().parse() {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

/// 1200 requests per 5 minutes per caller; over that, the seconds until capacity returns.
fn rate_limited(world: &mut World, caller: &str) -> Option<u64> {
    let (limit, window) = (world.rate_limit, world.rate_window);
    let log = world.rate_log.entry(caller.to_string()).or_default();
    let now = Instant::now();
    while log
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        log.pop_front();
    }
    if log.len() >= limit {
        let oldest = *log.front()?;
        return Some(
            (window.saturating_sub(now.duration_since(oldest)))
                .as_secs()
                .max(1),
        );
    }
    log.push_back(now);
    None
}

fn page_params(query: &[(String, String)]) -> (usize, usize) {
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    (
        get("page").unwrap_or(1).max(1),
        get("per_page").unwrap_or(20).clamp(5, 100),
    )
}

fn no_zone() -> Answer {
    failure(
        404,
        7003,
        "Could not route to /zones, perhaps your object identifier is invalid?",
    )
}

fn operate(
    world: &mut World,
    operation: &str,
    segments: &[&str],
    query: &[(String, String)],
    body: &Value,
) -> Answer {
    let zone_id = segments.get(1).copied().unwrap_or_default().to_string();
    match operation {
        "verify_token" | "verify_account_token" => {
            let mut answer =
                success(json!({ "id": "ed17574386854bf78a67040be0a770b0", "status": "active" }));
            answer.1["messages"] = json!([{ "code": 10000, "message": "This API Token is valid and active", "type": null }]);
            answer
        }
        "list_zones" => {
            let name = query
                .iter()
                .find(|(k, _)| k == "name")
                .map(|(_, v)| v.clone());
            let zones: Vec<Value> = world
                .zones
                .iter()
                .filter(|z| name.as_ref().is_none_or(|n| z.name == *n))
                .map(zone_json)
                .collect();
            let (page, per_page) = page_params(query);
            success_list(zones, page, per_page)
        }
        "get_setting" | "edit_setting" => {
            let setting = segments[3].to_string();
            let Some(zone) = world.zone_mut(&zone_id) else {
                return no_zone();
            };
            if !zone.settings.contains_key(&setting) {
                return failure(400, 1006, "Unrecognized zone setting name");
            }
            if operation == "edit_setting" {
                let Some(value) = body["value"].as_str() else {
                    return failure(400, 1007, "Invalid value for zone setting");
                };
                let valid: &[&str] = match setting.as_str() {
                    "ssl" => &["off", "flexible", "full", "strict"],
                    "tls_client_auth" => &["on", "off"],
                    _ => &["auto", "custom"],
                };
                if !valid.contains(&value) {
                    return failure(
                        400,
                        1007,
                        &format!("Invalid value for zone setting {setting}"),
                    );
                }
                zone.settings.insert(setting.clone(), value.to_string());
                zone.settings_modified = now_text();
            }
            success(
                json!({ "id": setting, "value": zone.settings[&setting], "editable": true, "modified_on": zone.settings_modified }),
            )
        }
        "list_dns_records" => {
            let Some(zone) = world.zone_mut(&zone_id) else {
                return no_zone();
            };
            let (page, per_page) = page_params(query);
            success_list(zone.dns.clone(), page, per_page)
        }
        "list_zone_certificates"
        | "list_hostname_certificates"
        | "get_zone_certificate"
        | "get_hostname_certificate" => {
            if world.zones.iter().all(|z| z.id != zone_id) {
                return no_zone();
            }
            world.advance_deployments(&zone_id);
            let zone = world.zone_mut(&zone_id).expect("checked above");
            let certs = if operation.contains("zone") {
                &zone.zone_certs
            } else {
                &zone.hostname_certs
            };
            if operation.starts_with("list") {
                let items: Vec<Value> = certs.iter().map(|c| c.json()).collect();
                let count = items.len().max(1);
                return success_list(items, 1, count);
            }
            let id = segments.last().copied().unwrap_or_default();
            match certs.iter().find(|c| c.id == id) {
                Some(cert) => success(cert.json()),
                None => failure(404, 1400, "Certificate not found"),
            }
        }
        "upload_zone_certificate" | "upload_hostname_certificate" => {
            if world.zones.iter().all(|z| z.id != zone_id) {
                return no_zone();
            }
            let (Some(certificate), Some(private_key)) =
                (body["certificate"].as_str(), body["private_key"].as_str())
            else {
                return failure(400, 1401, "certificate and private_key are required");
            };
            let hostname = operation == "upload_hostname_certificate";
            // A certificate on its way out no longer takes a place.
            if hostname
                && world.zone_mut(&zone_id).is_some_and(|z| {
                    z.hostname_certs
                        .iter()
                        .filter(|c| !c.is_going_away())
                        .count()
                        >= 10
                })
            {
                return failure(
                    400,
                    1406,
                    "This zone already has the maximum of 10 hostname certificates",
                );
            }
            match world.store_upload(certificate, private_key) {
                Err((status, code, message)) => failure(status, code, &message),
                Ok(stored) => {
                    let json = stored.json();
                    let zone = world.zone_mut(&zone_id).expect("checked above");
                    if hostname {
                        zone.hostname_certs.push(stored)
                    } else {
                        zone.zone_certs.push(stored)
                    }
                    success(json)
                }
            }
        }
        "delete_zone_certificate" | "delete_hostname_certificate" => {
            let (release, deletion_reads) = (world.certificate_release, world.deletion_reads);
            let Some(zone) = world.zone_mut(&zone_id) else {
                return no_zone();
            };
            let id = segments.last().copied().unwrap_or_default();
            if operation == "delete_hostname_certificate" {
                let still = match release {
                    CertificateRelease::NullEachHostname => zone
                        .hostname_certs
                        .iter()
                        .find(|c| c.id == id)
                        .and_then(|c| c.served.first().cloned()),
                    CertificateRelease::RepointIsEnough => zone
                        .associations
                        .iter()
                        .find(|(_, a)| a.cert_id == id)
                        .map(|(hostname, _)| hostname.clone()),
                };
                if let Some(hostname) = still {
                    return failure(
                        400,
                        1407,
                        &format!(
                            "The certificate is still associated with {hostname}; set its association to null first"
                        ),
                    );
                }
            }
            let certs = if operation == "delete_zone_certificate" {
                &mut zone.zone_certs
            } else {
                &mut zone.hostname_certs
            };
            match certs.iter_mut().find(|c| c.id == id) {
                // The code of this refusal is not published; the fake's own.
                Some(cert) if cert.is_going_away() => {
                    failure(400, 1416, "The certificate is already being deleted")
                }
                Some(cert) => {
                    cert.status = "pending_deletion".into();
                    cert.deletion_reads_left = Some(deletion_reads);
                    success(cert.json())
                }
                None => failure(404, 1400, "Certificate not found"),
            }
        }
        "get_zone_aop_setting" | "set_zone_aop_setting" => {
            let Some(zone) = world.zone_mut(&zone_id) else {
                return no_zone();
            };
            if operation == "set_zone_aop_setting" {
                let Some(enabled) = body["enabled"].as_bool() else {
                    return failure(400, 1408, "enabled must be a boolean");
                };
                zone.aop_enabled = enabled;
            }
            success(json!({ "enabled": zone.aop_enabled }))
        }
        "set_hostname_associations" => set_associations(world, &zone_id, body),
        "get_hostname_association" => {
            let hostname = segments.last().copied().unwrap_or_default().to_string();
            world.advance_deployments(&zone_id);
            let unassociated = world.unassociated;
            let Some(zone) = world.zone_mut(&zone_id) else {
                return no_zone();
            };
            if unassociated == UnassociatedAnswer::NotFound
                && !zone.associations.contains_key(&hostname)
            {
                // The code is not published; the fake's own.
                return failure(404, 1417, "No client authentication set for this hostname");
            }
            success(association_json(zone, &hostname))
        }
        "list_custom_hostnames" => {
            let Some(zone) = world.zone_mut(&zone_id) else {
                return no_zone();
            };
            let items = zone
                .custom_hostnames
                .iter()
                .map(|(id, hostname)| {
                    json!({ "id": id, "hostname": hostname, "status": "active",
                            "ssl": { "status": "active" }, "created_at": zone.created_on })
                })
                .collect();
            let (page, per_page) = page_params(query);
            success_list(items, page, per_page)
        }
        "list_alert_policies" => {
            let account = segments[1];
            let items: Vec<Value> = world
                .policies
                .iter()
                .filter(|(a, _)| a == account)
                .map(|(_, p)| p.clone())
                .collect();
            success(Value::Array(items))
        }
        "create_alert_policy" => {
            let account = segments[1].to_string();
            for field in ["name", "alert_type", "mechanisms"] {
                if body.get(field).is_none() {
                    return failure(400, 17000, &format!("{field} is required"));
                }
            }
            let id = world.hex_id();
            let mut policy = body.clone();
            policy["id"] = json!(id);
            policy["created"] = json!(now_text());
            world.policies.push((account, policy));
            success(json!({ "id": id }))
        }
        "delete_alert_policy" => {
            let (account, id) = (segments[1], segments[5]);
            let before = world.policies.len();
            world
                .policies
                .retain(|(a, p)| !(a == account && p["id"] == id));
            if world.policies.len() == before {
                return failure(404, 17001, "Policy not found");
            }
            success(json!(null))
        }
        "list_available_alerts" => success(json!({
            "Origin": [
                { "type": "zone_aop_custom_certificate_expiration_type", "display_name": "Zone-level Authenticated Origin Pulls Certificate Expiration Alert", "description": "Sent 30 and 14 days before a zone-level AOP certificate expires", "filter_options": [] },
                { "type": "hostname_aop_custom_certificate_expiration_type", "display_name": "Hostname-level Authenticated Origin Pulls Certificate Expiration Alert", "description": "Sent 30 and 14 days before a per-hostname AOP certificate expires", "filter_options": [] }
            ]
        })),
        _ => failure(404, 7000, "No route for that URI"),
    }
}

fn association_json(zone: &super::world::FakeZone, hostname: &str) -> Value {
    match zone.associations.get(hostname) {
        // Nothing associated: only the hostname, as the schema has no null for the other fields.
        None => json!({ "hostname": hostname, "enabled": null }),
        Some(association) => {
            let cert = zone
                .hostname_certs
                .iter()
                .find(|c| c.id == association.cert_id);
            json!({
                "hostname": hostname,
                "cert_id": association.cert_id,
                "enabled": association.enabled,
                "status": if association.enabled { "active" } else { "pending_deployment" },
                "cert_status": cert.map(|c| c.status.clone()),
                "certificate": cert.map(|c| c.pem.clone()),
                "expires_on": cert.map(|c| c.expires_on.clone()),
                "issuer": cert.map(|c| c.issuer.clone()),
                "serial_number": cert.map(|c| c.serial_number.clone()),
                "signature": cert.map(|c| c.signature.clone()),
                "created_at": association.created_at,
                "updated_at": association.updated_at,
            })
        }
    }
}

fn set_associations(world: &mut World, zone_id: &str, body: &Value) -> Answer {
    let Some(zone) = world.zone_mut(zone_id) else {
        return no_zone();
    };
    let Some(config) = body["config"].as_array() else {
        return failure(400, 1409, "config is required");
    };
    // Validate everything before changing anything.
    for entry in config {
        let (Some(hostname), Some(cert_id)) =
            (entry["hostname"].as_str(), entry["cert_id"].as_str())
        else {
            return failure(400, 1409, "every config entry needs hostname and cert_id");
        };
        if hostname.len() > 255 || entry.get("enabled").is_none() {
            return failure(400, 1409, "enabled must be true, false or null");
        }
        if !zone
            .hostname_certs
            .iter()
            .any(|c| c.id == cert_id && !c.is_going_away())
        {
            return failure(
                400,
                1415,
                "Certificate ID in request is either invalid or the certificate has been deleted",
            );
        }
        let already = zone
            .associations
            .iter()
            .filter(|(h, a)| a.cert_id == cert_id && h.as_str() != hostname)
            .count();
        if already >= 100 {
            return failure(
                400,
                1410,
                "A certificate can be associated with at most 100 hostnames",
            );
        }
    }
    let mut results = Vec::new();
    for entry in config {
        let hostname = entry["hostname"].as_str().unwrap_or_default().to_string();
        let cert_id = entry["cert_id"].as_str().unwrap_or_default().to_string();
        let cert = zone.hostname_certs.iter_mut().find(|c| c.id == cert_id);
        match entry["enabled"].as_bool() {
            None => {
                // Voids this hostname's association with this certificate; one with another
                // certificate (the hostname was re-pointed) stays.
                if let Some(cert) = cert {
                    cert.served.remove(&hostname);
                }
                if zone
                    .associations
                    .get(&hostname)
                    .is_some_and(|a| a.cert_id == cert_id)
                {
                    zone.associations.remove(&hostname);
                }
                results.push(json!({
                    "hostname": hostname, "cert_id": cert_id, "enabled": null,
                    "status": "pending_deletion", "updated_at": now_text(),
                }));
                continue;
            }
            Some(enabled) => {
                if let Some(cert) = cert {
                    cert.served.insert(hostname.clone());
                }
                let created_at = zone
                    .associations
                    .get(&hostname)
                    .map(|a| a.created_at.clone())
                    .unwrap_or_else(now_text);
                zone.associations.insert(
                    hostname.clone(),
                    Association {
                        cert_id,
                        enabled,
                        created_at,
                        updated_at: now_text(),
                    },
                );
            }
        }
        results.push(association_json(zone, &hostname));
    }
    let count = results.len().max(1);
    success_list(results, 1, count)
}
