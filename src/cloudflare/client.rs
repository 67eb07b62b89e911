//! The typed client: one method per operation in the API contract, retries as the official SDKs
//! do (408/409/429/5xx, Retry-After honoured, exponential backoff with jitter, two retries), an
//! upload that can never happen twice, and every other write read back: an answer of success
//! that changed nothing is `CloudflareError::NotApplied`, not a success.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::credentials::{ApiToken, Credentials};
use super::error::CloudflareError;
use super::types::*;
use crate::untrusted::shown;

pub const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A Retry-After longer than this is reported instead of waited for.
    pub max_retry_after: Duration,
    /// One attempt at most; less when the call's budget has less left.
    pub request_timeout: Duration,
    /// One call with all its attempts and waits between them; a call that has not been answered
    /// by then ends with `CloudflareError::NoAnswer`.
    pub call_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            call_budget: Duration::from_secs(DEFAULT_API_TIMEOUT_SECS),
        }
    }
}

/// Seconds one call to Cloudflare may take with its retries, unless `API_TIMEOUT_ENV` says.
pub const DEFAULT_API_TIMEOUT_SECS: u64 = 60;
/// The most `API_TIMEOUT_ENV` may ask for.
pub const MAX_API_TIMEOUT_SECS: u64 = 3600;
/// Sets how long one call to Cloudflare may take, retries included, in seconds.
pub const API_TIMEOUT_ENV: &str = "AOP_WIZARD_API_TIMEOUT";

impl RetryPolicy {
    /// The default, with the call budget from `AOP_WIZARD_API_TIMEOUT` when it is set; a value
    /// that is not a whole number of seconds from 1 to 3600 is refused with the reason.
    pub fn from_env() -> Result<Self, String> {
        let mut policy = Self::default();
        if let Some(value) = std::env::var_os(API_TIMEOUT_ENV) {
            let text = value.to_string_lossy();
            let seconds = text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=MAX_API_TIMEOUT_SECS).contains(s))
                .ok_or_else(|| {
                    format!(
                        "{API_TIMEOUT_ENV}={} is not a number of seconds from 1 to {MAX_API_TIMEOUT_SECS}; set it to, say, {DEFAULT_API_TIMEOUT_SECS} or unset it",
                        crate::untrusted::one_line(&text, 40)
                    )
                })?;
            policy.call_budget = Duration::from_secs(seconds);
        }
        Ok(policy)
    }
}

/// A retry is started only if this much time is left for it after its pause: an attempt with
/// less could only time out.
const LEAST_ATTEMPT: Duration = Duration::from_millis(500);

/// When a call must be over, and what set that time, for the message that says it passed.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    budget: Duration,
    set_by: &'static str,
}

impl Deadline {
    fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    fn no_answer(&self, operation: &'static str) -> CloudflareError {
        CloudflareError::NoAnswer {
            operation,
            seconds: self.budget.as_secs_f64(),
            set_by: self.set_by,
        }
    }
}

/// Zone-level and per-hostname certificates live in separate collections with separate ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertificateScope {
    Zone,
    Hostname,
}

impl CertificateScope {
    fn path(self, zone_id: &str) -> String {
        match self {
            CertificateScope::Zone => format!("zones/{zone_id}/origin_tls_client_auth"),
            CertificateScope::Hostname => {
                format!("zones/{zone_id}/origin_tls_client_auth/hostnames/certificates")
            }
        }
    }

    /// The operation name errors and logs use, e.g. "upload zone certificate".
    fn operation(self, verb: &str) -> &'static str {
        match (verb, self) {
            ("list", CertificateScope::Zone) => "list zone certificates",
            ("list", CertificateScope::Hostname) => "list hostname certificates",
            ("get", CertificateScope::Zone) => "get zone certificate",
            ("get", CertificateScope::Hostname) => "get hostname certificate",
            ("delete", CertificateScope::Zone) => "delete zone certificate",
            ("delete", CertificateScope::Hostname) => "delete hostname certificate",
            (_, CertificateScope::Zone) => "upload zone certificate",
            (_, CertificateScope::Hostname) => "upload hostname certificate",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            CertificateScope::Zone => "zone certificate",
            CertificateScope::Hostname => "hostname certificate",
        }
    }
}

/// A request as `--dry-run` shows it: secrets replaced.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl PlannedRequest {
    /// As a dry run prints it and the wizard's confirmation shows it: the request line, the
    /// headers, the body.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("{} {}", self.method, self.url)];
        // Every body is JSON; the header that says so would only take a line.
        lines.extend(
            self.headers
                .iter()
                .filter(|(name, _)| name != "Content-Type")
                .map(|(name, value)| format!("{name}: {value}")),
        );
        if let Some(body) = &self.body {
            lines.push(serde_json::to_string(body).unwrap_or_default());
        }
        lines
    }
}

/// A request that changes something, built in one place: the write it belongs to sends it, a
/// dry run and the wizard show it before it is sent.
#[derive(Debug, Clone)]
pub struct Change {
    operation: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    /// False for a POST that creates something: it is never retried blindly.
    retry: bool,
    /// What it changes, for `Client::apply` to read back.
    target: Target,
}

#[derive(Debug, Clone)]
enum Target {
    Setting {
        zone_id: String,
        setting: String,
        value: String,
    },
    ZoneAop {
        zone_id: String,
        enabled: bool,
    },
    HostnameAssociations {
        zone_id: String,
        config: Vec<HostnameConfig>,
    },
    DeleteCertificate {
        scope: CertificateScope,
        zone_id: String,
        id: String,
    },
    /// Uploads and alert policies have methods of their own that do more around the request.
    Created,
}

impl Change {
    pub fn setting(zone_id: &str, setting: &str, value: &str) -> Self {
        Self {
            operation: "set setting",
            method: Method::PATCH,
            path: format!("zones/{zone_id}/settings/{setting}"),
            body: Some(json!({ "value": value })),
            retry: true,
            target: Target::Setting {
                zone_id: zone_id.into(),
                setting: setting.into(),
                value: value.into(),
            },
        }
    }

    pub fn ssl_mode(zone_id: &str, mode: &SslMode) -> Self {
        Self::setting(zone_id, "ssl", mode.api_value())
    }

    /// Global AOP: Cloudflare's shared certificate (`tls_client_auth`).
    pub fn global_aop(zone_id: &str, on: bool) -> Self {
        Self::setting(zone_id, "tls_client_auth", on_off(on))
    }

    pub fn zone_aop(zone_id: &str, enabled: bool) -> Self {
        Self {
            operation: "set zone aop setting",
            method: Method::PUT,
            path: format!("zones/{zone_id}/origin_tls_client_auth/settings"),
            body: Some(json!({ "enabled": enabled })),
            retry: true,
            target: Target::ZoneAop {
                zone_id: zone_id.into(),
                enabled,
            },
        }
    }

    pub fn hostname_associations(zone_id: &str, config: &[HostnameConfig]) -> Self {
        Self {
            operation: "set hostname associations",
            method: Method::PUT,
            path: format!("zones/{zone_id}/origin_tls_client_auth/hostnames"),
            body: Some(json!({ "config": config })),
            retry: true,
            target: Target::HostnameAssociations {
                zone_id: zone_id.into(),
                config: config.to_vec(),
            },
        }
    }

    pub fn upload(
        scope: CertificateScope,
        zone_id: &str,
        certificate_pem: &str,
        private_key_pem: &str,
    ) -> Self {
        Self {
            operation: scope.operation("upload"),
            method: Method::POST,
            path: scope.path(zone_id),
            body: Some(json!({ "certificate": certificate_pem, "private_key": private_key_pem })),
            retry: false,
            target: Target::Created,
        }
    }

    pub fn delete_certificate(scope: CertificateScope, zone_id: &str, id: &str) -> Self {
        Self {
            operation: scope.operation("delete"),
            method: Method::DELETE,
            path: format!("{}/{id}", scope.path(zone_id)),
            body: None,
            retry: true,
            target: Target::DeleteCertificate {
                scope,
                zone_id: zone_id.into(),
                id: id.into(),
            },
        }
    }

    /// Whether this deletes a per-hostname certificate.
    pub fn deletes_hostname_certificate(&self) -> bool {
        matches!(
            self.target,
            Target::DeleteCertificate {
                scope: CertificateScope::Hostname,
                ..
            }
        )
    }

    pub fn create_alert_policy(account_id: &str, policy: &NewAlertPolicy) -> Self {
        Self {
            operation: "create alert policy",
            method: Method::POST,
            path: format!("accounts/{account_id}/alerting/v3/policies"),
            body: Some(serde_json::to_value(policy).unwrap_or(Value::Null)),
            retry: false,
            target: Target::Created,
        }
    }

    pub fn delete_alert_policy(account_id: &str, policy_id: &str) -> Self {
        Self {
            operation: "delete alert policy",
            method: Method::DELETE,
            path: format!("accounts/{account_id}/alerting/v3/policies/{policy_id}"),
            body: None,
            retry: true,
            target: Target::Created,
        }
    }
}

#[derive(Debug, Clone)]
pub struct UploadOutcome {
    pub certificate: UploadedCertificate,
    /// The same certificate (by fingerprint) was already there; nothing was uploaded.
    pub already_present: bool,
}

/// Points the client at another API (the fake, a proxy).
pub const BASE_URL_ENV: &str = "CLOUDFLARE_API_BASE_URL";

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    credentials: Credentials,
    retry: RetryPolicy,
    /// Set for a wait with a `--timeout`: every call made under it ends by then.
    deadline: Option<Deadline>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(
        base_url: &str,
        credentials: Credentials,
        retry: RetryPolicy,
    ) -> Result<Self, CloudflareError> {
        // A header that cannot carry the secret is dropped by the HTTP library, and Cloudflare
        // would then blame missing headers: said here instead, before any request.
        let secret = match &credentials {
            Credentials::Token(token) => token,
            Credentials::GlobalKey { key, .. } => key,
        };
        if !secret.expose().chars().all(|c| c.is_ascii_graphic()) {
            return Err(CloudflareError::Refused(
                "the API token holds a character an HTTP header cannot carry (a space, an invisible mark or a letter outside ASCII, often copied along with it): paste the token again".into(),
            ));
        }
        // A base URL that is no URL would fail every request with the HTTP library's words
        // ("builder error: relative URL without a base"): said once, here, in ours.
        match reqwest::Url::parse(base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
            _ => {
                return Err(CloudflareError::Refused(format!(
                    "the API's base URL \"{}\" is not an http(s) URL with a host: fix or unset {BASE_URL_ENV} (for example http://127.0.0.1:8787/client/v4 for `aop-wizard fake-api`)",
                    crate::untrusted::one_line(base_url, 200)
                )));
            }
        }
        let http = http_client(retry.request_timeout)
            .map_err(|e| CloudflareError::Refused(format!("cannot set up HTTPS: {e}")))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            credentials,
            retry,
            deadline: None,
        })
    }

    /// This client with everything it does ending within `budget` from now (or by the deadline
    /// it already had, if that comes first): attempts, retries and the pauses between them.
    /// `set_by` names what set the budget (`--timeout`) for the message that says it passed.
    pub fn within(&self, budget: Duration, set_by: &'static str) -> Client {
        let deadline = Deadline {
            at: Instant::now() + budget,
            budget,
            set_by,
        };
        let mut bounded = self.clone();
        bounded.deadline = Some(match self.deadline {
            Some(earlier) if earlier.at <= deadline.at => earlier,
            _ => deadline,
        });
        bounded
    }

    /// The deadline of a call starting now: its own budget, or the client's deadline if that
    /// comes first.
    fn call_deadline(&self) -> Deadline {
        let own = Deadline {
            at: Instant::now() + self.retry.call_budget,
            budget: self.retry.call_budget,
            set_by: API_TIMEOUT_ENV,
        };
        match self.deadline {
            Some(deadline) if deadline.at <= own.at => deadline,
            _ => own,
        }
    }

    /// The pause before another attempt, if one is allowed and there is time for it before the
    /// deadline; `None` means the answer at hand is final.
    fn retry_pause(
        &self,
        retry: bool,
        attempt: u32,
        retry_after: Option<Duration>,
        deadline: &Deadline,
    ) -> Option<Duration> {
        if !retry || attempt >= self.retry.max_retries {
            return None;
        }
        let pause = self.backoff_delay(attempt, retry_after);
        (pause + LEAST_ATTEMPT <= deadline.remaining()).then_some(pause)
    }

    /// The base URL from `CLOUDFLARE_API_BASE_URL`, else Cloudflare's.
    pub fn base_url_from_env() -> String {
        std::env::var(BASE_URL_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string())
    }

    /// The API token this client sends, for saving it in the keyring after it worked.
    pub fn token(&self) -> Option<ApiToken> {
        match &self.credentials {
            Credentials::Token(token) => Some(token.clone()),
            Credentials::GlobalKey { .. } => None,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url, path)
    }

    /// A change as this client would send it, token and private key redacted: what a dry run
    /// prints and the wizard shows before it asks.
    pub fn shown(&self, change: &Change) -> PlannedRequest {
        let mut headers = self.credentials.redacted_headers();
        headers.push(("Content-Type".into(), "application/json".into()));
        PlannedRequest {
            method: change.method.to_string(),
            url: self.url(&change.path),
            headers,
            body: change.body.as_ref().map(redact_body),
        }
    }

    /// Carries a change out the way its own method does, read back included; a procedure that
    /// lists its changes first (to show them) carries them out with this.
    pub async fn apply(&self, change: &Change) -> Result<(), CloudflareError> {
        match &change.target {
            Target::Setting {
                zone_id,
                setting,
                value,
            } => self.set_setting(zone_id, setting, value).await.map(drop),
            Target::ZoneAop { zone_id, enabled } => {
                self.set_zone_aop_enabled(zone_id, *enabled).await.map(drop)
            }
            Target::HostnameAssociations { zone_id, config } => self
                .set_hostname_associations(zone_id, config)
                .await
                .map(drop),
            Target::DeleteCertificate { scope, zone_id, id } => {
                self.delete_certificate(*scope, zone_id, id).await.map(drop)
            }
            Target::Created => self.send::<Value>(change).await.map(drop),
        }
    }

    /// Sends a change with the retry policy its kind allows.
    async fn send<T: DeserializeOwned>(&self, change: &Change) -> Result<T, CloudflareError> {
        Ok(self
            .call(
                change.operation,
                change.method.clone(),
                &change.path,
                &[],
                change.body.as_ref(),
                change.retry,
            )
            .await?
            .0)
    }

    /// Sends one request with the retry policy; `retry` is false for a POST that creates something.
    async fn call<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        retry: bool,
    ) -> Result<(T, Option<ResultInfo>), CloudflareError> {
        let url = self.url(path);
        let deadline = self.call_deadline();
        let mut attempt = 0;
        loop {
            let left = deadline.remaining();
            if left.is_zero() {
                return Err(deadline.no_answer(operation));
            }
            let mut request = self
                .credentials
                .apply(self.http.request(method.clone(), &url))
                .query(query)
                .timeout(self.retry.request_timeout.min(left));
            if let Some(body) = body {
                request = request.json(body);
            }
            tracing::debug!(operation, %method, path, attempt, "cloudflare request");
            // An attempt that ran out of the call's time is reported as the call's deadline.
            let failed = |error: reqwest::Error| {
                if error.is_timeout() && deadline.remaining().is_zero() {
                    deadline.no_answer(operation)
                } else {
                    CloudflareError::Network {
                        operation,
                        url: url.clone(),
                        detail: error_detail(&error),
                    }
                }
            };
            let response = match request.send().await {
                Ok(response) => response,
                Err(error) => {
                    if (error.is_timeout() || error.is_connect())
                        && let Some(pause) = self.retry_pause(retry, attempt, None, &deadline)
                    {
                        tokio::time::sleep(pause).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(failed(error));
                }
            };
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            if status == 429
                && let Some(wait) = retry_after
                && wait > self.retry.max_retry_after
            {
                return Err(CloudflareError::RateLimited {
                    operation,
                    retry_after_secs: wait.as_secs(),
                });
            }
            if matches!(status, 408 | 409 | 429 | 500..=599)
                && let Some(pause) = self.retry_pause(retry, attempt, retry_after, &deadline)
            {
                tracing::info!(operation, status, "retrying");
                tokio::time::sleep(pause).await;
                attempt += 1;
                continue;
            }
            let text = response.text().await.map_err(failed)?;
            let envelope = serde_json::from_str::<Envelope<T>>(&text);
            if envelope.is_err()
                && let Some(pause) = self.retry_pause(retry, attempt, None, &deadline)
            {
                tokio::time::sleep(pause).await;
                attempt += 1;
                continue;
            }
            return decode_answer(operation, status, envelope, retry_after);
        }
    }

    fn backoff_delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        retry_after.unwrap_or_else(|| {
            let exponential = self
                .retry
                .base_delay
                .saturating_mul(2u32.saturating_pow(attempt))
                .min(self.retry.max_delay);
            let mut byte = [0u8; 1];
            let _ = aws_lc_rs::rand::fill(&mut byte);
            // Up to 25 % less, so that many clients do not retry in step.
            exponential.mul_f64(1.0 - f64::from(byte[0]) / 255.0 * 0.25)
        })
    }

    async fn get<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, CloudflareError> {
        Ok(self
            .call(operation, Method::GET, path, query, None, true)
            .await?
            .0)
    }

    /// Every page of a collection.
    async fn get_all<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        query: &[(&str, String)],
        per_page: u32,
    ) -> Result<Vec<T>, CloudflareError> {
        let mut items = Vec::new();
        let mut page = 1;
        loop {
            let mut paged: Vec<(&str, String)> = query.to_vec();
            paged.push(("page", page.to_string()));
            paged.push(("per_page", per_page.to_string()));
            let (batch, info): (Vec<T>, _) = self
                .call(operation, Method::GET, path, &paged, None, true)
                .await?;
            let received = batch.len();
            items.extend(batch);
            let total_pages = info.as_ref().and_then(|i| i.total_pages).unwrap_or(1);
            if page >= total_pages || received == 0 {
                return Ok(items);
            }
            page += 1;
        }
    }

    // --- tokens and zones ---

    /// Verifies a user token (`/user/tokens/verify`), or an account token when `account_id` is given.
    pub async fn verify_token(
        &self,
        account_id: Option<&str>,
    ) -> Result<TokenStatus, CloudflareError> {
        match account_id {
            Some(account) => {
                self.get(
                    "verify account token",
                    &format!("accounts/{account}/tokens/verify"),
                    &[],
                )
                .await
            }
            None => self.get("verify token", "user/tokens/verify", &[]).await,
        }
    }

    pub async fn list_zones(&self, name: Option<&str>) -> Result<Vec<Zone>, CloudflareError> {
        let query: Vec<(&str, String)> = name
            .map(|n| vec![("name", n.to_string())])
            .unwrap_or_default();
        self.get_all("list zones", "zones", &query, 50).await
    }

    /// The zone with exactly this name, or a clear error naming what the token can see.
    pub async fn zone_by_name(&self, name: &str) -> Result<Zone, CloudflareError> {
        let zones = self.list_zones(Some(name)).await?;
        zones.into_iter().find(|z| z.name.eq_ignore_ascii_case(name)).ok_or_else(|| {
            CloudflareError::Refused(format!(
                "no zone named {} is visible to this token; check the spelling, or give the token Zone → Zone → Read on that zone",
                shown(name)
            ))
        })
    }

    // --- settings ---

    pub async fn get_setting(
        &self,
        zone_id: &str,
        setting: &str,
    ) -> Result<ZoneSetting, CloudflareError> {
        self.get(
            "get setting",
            &format!("zones/{zone_id}/settings/{setting}"),
            &[],
        )
        .await
    }

    /// PATCHes a setting, then reads it back; the setting as Cloudflare reports it afterwards.
    pub async fn set_setting(
        &self,
        zone_id: &str,
        setting: &str,
        value: &str,
    ) -> Result<ZoneSetting, CloudflareError> {
        let _: ZoneSetting = self.send(&Change::setting(zone_id, setting, value)).await?;
        // The answer may claim the value; only a fresh read shows whether it took.
        let now = self.get_setting(zone_id, setting).await?;
        if now.text() != value {
            return Err(CloudflareError::NotApplied {
                operation: "set setting",
                wanted: format!("{setting} = {value}"),
                found: format!("{setting} = {}", now.text()),
            });
        }
        Ok(now)
    }

    pub async fn ssl_mode(&self, zone_id: &str) -> Result<SslMode, CloudflareError> {
        Ok(SslMode::parse(
            &self.get_setting(zone_id, "ssl").await?.text(),
        ))
    }

    pub async fn set_ssl_mode(
        &self,
        zone_id: &str,
        mode: &SslMode,
    ) -> Result<SslMode, CloudflareError> {
        Ok(SslMode::parse(
            &self
                .set_setting(zone_id, "ssl", mode.api_value())
                .await?
                .text(),
        ))
    }

    pub async fn ssl_automatic_mode(&self, zone_id: &str) -> Result<String, CloudflareError> {
        Ok(self
            .get_setting(zone_id, "ssl_automatic_mode")
            .await?
            .text())
    }

    /// Global AOP: Cloudflare's shared certificate (`tls_client_auth`).
    pub async fn global_aop(&self, zone_id: &str) -> Result<bool, CloudflareError> {
        Ok(self.get_setting(zone_id, "tls_client_auth").await?.text() == "on")
    }

    pub async fn set_global_aop(&self, zone_id: &str, on: bool) -> Result<bool, CloudflareError> {
        Ok(self
            .set_setting(zone_id, "tls_client_auth", on_off(on))
            .await?
            .text()
            == "on")
    }

    // --- zone-level and per-hostname certificates ---

    pub async fn list_certificates(
        &self,
        scope: CertificateScope,
        zone_id: &str,
    ) -> Result<Vec<UploadedCertificate>, CloudflareError> {
        let operation = scope.operation("list");
        Ok(self
            .call(
                operation,
                Method::GET,
                &scope.path(zone_id),
                &[],
                None,
                true,
            )
            .await?
            .0)
    }

    pub async fn get_certificate(
        &self,
        scope: CertificateScope,
        zone_id: &str,
        id: &str,
    ) -> Result<UploadedCertificate, CloudflareError> {
        let operation = scope.operation("get");
        self.get(operation, &format!("{}/{id}", scope.path(zone_id)), &[])
            .await
    }

    pub async fn delete_certificate(
        &self,
        scope: CertificateScope,
        zone_id: &str,
        id: &str,
    ) -> Result<UploadedCertificate, CloudflareError> {
        self.send(&Change::delete_certificate(scope, zone_id, id))
            .await
    }

    /// Uploads a client certificate unless the same one (by fingerprint) is already there. The
    /// POST itself is never retried: after a failure the list is read again, and only a
    /// certificate that is still absent is reported as not uploaded.
    pub async fn upload_certificate(
        &self,
        scope: CertificateScope,
        zone_id: &str,
        certificate_pem: &str,
        private_key_pem: &str,
        fingerprint: &str,
    ) -> Result<UploadOutcome, CloudflareError> {
        let find = |list: Vec<UploadedCertificate>| reusable(&list, fingerprint).cloned();
        if let Some(existing) = find(self.list_certificates(scope, zone_id).await?) {
            return Ok(UploadOutcome {
                certificate: existing,
                already_present: true,
            });
        }
        let operation = scope.operation("upload");
        let change = Change::upload(scope, zone_id, certificate_pem, private_key_pem);
        match self.send::<UploadedCertificate>(&change).await {
            Ok(certificate) => Ok(UploadOutcome {
                certificate,
                already_present: false,
            }),
            Err(error) if definitely_not_created(&error) => Err(error),
            Err(error) => {
                tracing::warn!(operation, %error, "upload failed; checking whether it arrived");
                match find(self.list_certificates(scope, zone_id).await?) {
                    Some(arrived) => Ok(UploadOutcome {
                        certificate: arrived,
                        already_present: true,
                    }),
                    None => Err(CloudflareError::UploadUncertain {
                        operation,
                        detail: error.to_string(),
                    }),
                }
            }
        }
    }

    /// Polls until the certificate is `active`, calling `progress` with each status seen.
    pub async fn wait_until_active(
        &self,
        scope: CertificateScope,
        zone_id: &str,
        id: &str,
        interval: Duration,
        timeout: Duration,
        mut progress: impl FnMut(&CertificateStatus),
    ) -> Result<UploadedCertificate, CloudflareError> {
        let deadline = tokio::time::Instant::now() + timeout;
        // Each poll, its retries included, ends by the deadline too.
        let bounded = self.within(timeout, "--timeout");
        loop {
            let certificate = bounded.get_certificate(scope, zone_id, id).await?;
            let status = certificate
                .status
                .clone()
                .unwrap_or(CertificateStatus::Other("unknown".into()));
            progress(&status);
            if certificate.is_active() {
                return Ok(certificate);
            }
            if status.is_failed() {
                return Err(CloudflareError::Refused(format!(
                    "the {} {} ended in {}: delete it and upload again",
                    scope.noun(),
                    shown(id),
                    shown(status.as_str())
                )));
            }
            if tokio::time::Instant::now() + interval > deadline {
                return Err(CloudflareError::Refused(format!(
                    "the {} {} is still {} after {} s; it usually becomes active within minutes: check again with `aop-wizard status`",
                    scope.noun(),
                    shown(id),
                    shown(status.as_str()),
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(interval).await;
        }
    }

    pub async fn zone_aop_enabled(&self, zone_id: &str) -> Result<bool, CloudflareError> {
        let value: Value = self
            .get(
                "get zone aop setting",
                &format!("zones/{zone_id}/origin_tls_client_auth/settings"),
                &[],
            )
            .await?;
        Ok(value["enabled"].as_bool().unwrap_or(false))
    }

    /// Switches zone-level AOP, then reads it back.
    pub async fn set_zone_aop_enabled(
        &self,
        zone_id: &str,
        enabled: bool,
    ) -> Result<bool, CloudflareError> {
        let _: Value = self.send(&Change::zone_aop(zone_id, enabled)).await?;
        let now = self.zone_aop_enabled(zone_id).await?;
        if now != enabled {
            let state = |on: bool| format!("zone-level AOP {}", if on { "on" } else { "off" });
            return Err(CloudflareError::NotApplied {
                operation: "set zone aop setting",
                wanted: state(enabled),
                found: state(now),
            });
        }
        Ok(now)
    }

    /// Sets the associations, then reads each one back; the associations as Cloudflare reports
    /// them afterwards, in `config` order.
    pub async fn set_hostname_associations(
        &self,
        zone_id: &str,
        config: &[HostnameConfig],
    ) -> Result<Vec<HostnameAssociation>, CloudflareError> {
        let _: Value = self
            .send(&Change::hostname_associations(zone_id, config))
            .await?;
        let mut associations = Vec::with_capacity(config.len());
        let (mut wanted, mut found) = (Vec::new(), Vec::new());
        for entry in config {
            let mut association = self.hostname_association(zone_id, &entry.hostname).await?;
            if association.hostname.is_empty() {
                association.hostname = entry.hostname.clone();
            }
            let took = match entry.enabled {
                // Voided: the hostname no longer uses that certificate (it may use another, as
                // after a rotation), or uses it neither on nor off.
                None => {
                    association.cert_id.as_deref() != Some(entry.cert_id.as_str())
                        || association.enabled.is_none()
                }
                Some(enabled) => {
                    association.cert_id.as_deref() == Some(entry.cert_id.as_str())
                        && association.enabled == Some(enabled)
                }
            };
            if !took {
                wanted.push(describe_association(
                    &entry.hostname,
                    Some(entry.cert_id.as_str()).filter(|_| entry.enabled.is_some()),
                    entry.enabled,
                ));
                found.push(describe_association(
                    &entry.hostname,
                    association.cert_id.as_deref(),
                    association.enabled,
                ));
            }
            associations.push(association);
        }
        if !wanted.is_empty() {
            return Err(CloudflareError::NotApplied {
                operation: "set hostname associations",
                wanted: wanted.join(", "),
                found: found.join(", "),
            });
        }
        Ok(associations)
    }

    /// The hostname's association. One Cloudflare does not know (HTTP 404, as the Terraform
    /// provider v5 expects in `authenticated_origin_pulls` Read, or an empty result) is an empty
    /// association, not an error.
    pub async fn hostname_association(
        &self,
        zone_id: &str,
        hostname: &str,
    ) -> Result<HostnameAssociation, CloudflareError> {
        let none = || HostnameAssociation {
            hostname: hostname.to_string(),
            ..HostnameAssociation::default()
        };
        match self
            .get::<Option<HostnameAssociation>>(
                "get hostname association",
                &format!("zones/{zone_id}/origin_tls_client_auth/hostnames/{hostname}"),
                &[],
            )
            .await
        {
            Ok(Some(association)) => Ok(association),
            Ok(None) | Err(CloudflareError::Api { status: 404, .. }) => Ok(none()),
            Err(error) => Err(error),
        }
    }

    // --- DNS and alerts ---

    pub async fn dns_records(&self, zone_id: &str) -> Result<Vec<DnsRecord>, CloudflareError> {
        self.get_all(
            "list dns records",
            &format!("zones/{zone_id}/dns_records"),
            &[],
            100,
        )
        .await
    }

    pub async fn alert_policies(
        &self,
        account_id: &str,
    ) -> Result<Vec<AlertPolicy>, CloudflareError> {
        self.get(
            "list alert policies",
            &format!("accounts/{account_id}/alerting/v3/policies"),
            &[],
        )
        .await
    }

    /// Creates a policy and checks that the account lists it; its id.
    pub async fn create_alert_policy(
        &self,
        account_id: &str,
        policy: &NewAlertPolicy,
    ) -> Result<String, CloudflareError> {
        let value: Value = self
            .send(&Change::create_alert_policy(account_id, policy))
            .await?;
        let id = value["id"].as_str().unwrap_or_default().to_string();
        if id.is_empty() {
            return Err(CloudflareError::Decode {
                operation: "create alert policy",
                detail: format!(
                    "the answer names no policy id; check Notifications in the Cloudflare dashboard for a policy named \"{}\" before running the command again",
                    policy.name
                ),
            });
        }
        if !self
            .alert_policies(account_id)
            .await?
            .iter()
            .any(|p| p.id == id)
        {
            return Err(CloudflareError::NotApplied {
                operation: "create alert policy",
                wanted: format!("a new alert policy \"{}\"", policy.name),
                found: format!("no policy with id {id} in the account's list"),
            });
        }
        Ok(id)
    }

    pub async fn delete_alert_policy(
        &self,
        account_id: &str,
        policy_id: &str,
    ) -> Result<(), CloudflareError> {
        let _: Value = self
            .send(&Change::delete_alert_policy(account_id, policy_id))
            .await?;
        Ok(())
    }

    /// The zone's Cloudflare for SaaS custom hostnames (SSL and Certificates Read).
    pub async fn custom_hostnames(
        &self,
        zone_id: &str,
    ) -> Result<Vec<CustomHostname>, CloudflareError> {
        self.get_all(
            "list custom hostnames",
            &format!("zones/{zone_id}/custom_hostnames"),
            &[],
            50,
        )
        .await
    }

    /// Alert types the account can use, keyed by category.
    pub async fn available_alerts(&self, account_id: &str) -> Result<Value, CloudflareError> {
        self.get(
            "list available alerts",
            &format!("accounts/{account_id}/alerting/v3/available_alerts"),
            &[],
        )
        .await
    }
}

/// The HTTP client every request this tool makes goes through (the API, its public `/ips`, a
/// request through Cloudflare): one user agent, each request ending within `timeout`.
pub fn http_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("aop-wizard/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Cloudflare's address ranges as `GET /ips` lists them.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PublishedRanges {
    pub ipv4_cidrs: Vec<String>,
    pub ipv6_cidrs: Vec<String>,
    #[serde(default)]
    pub etag: Option<String>,
}

/// `GET /ips`: public, so no credentials; one attempt within `timeout`, as it only refreshes a
/// list the program ships.
pub async fn published_ranges(
    base_url: &str,
    timeout: Duration,
) -> Result<PublishedRanges, CloudflareError> {
    const OPERATION: &str = "read Cloudflare's address ranges";
    let url = format!("{}/ips", base_url.trim_end_matches('/'));
    let failed = |error: reqwest::Error| CloudflareError::Network {
        operation: OPERATION,
        url: url.clone(),
        detail: error_detail(&error),
    };
    let http = http_client(timeout).map_err(failed)?;
    let response = http.get(&url).send().await.map_err(failed)?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(failed)?;
    decode_answer(OPERATION, status, serde_json::from_str(&text), None).map(|(ranges, _)| ranges)
}

/// One hostname association as an error message shows it.
/// What one answer means, once its status is known and its body was parsed as the v4 envelope:
/// the result (with paging), or the error to report. Every answer the client reads goes
/// through here.
pub fn decode_answer<T: DeserializeOwned>(
    operation: &'static str,
    status: u16,
    envelope: serde_json::Result<Envelope<T>>,
    retry_after: Option<Duration>,
) -> Result<(T, Option<ResultInfo>), CloudflareError> {
    let envelope = match envelope {
        Ok(envelope) => envelope,
        Err(error) if status >= 400 => {
            return Err(CloudflareError::Api {
                operation,
                status,
                errors: vec![super::ApiMessage {
                    code: 0,
                    message: format!("unreadable error body ({error})"),
                    error_chain: vec![],
                }],
            });
        }
        Err(error) => {
            return Err(CloudflareError::Decode {
                operation,
                // serde quotes what it could not read, and that came from the answer.
                detail: crate::untrusted::one_line(&error.to_string(), 300),
            });
        }
    };
    if status == 429 {
        return Err(CloudflareError::RateLimited {
            operation,
            retry_after_secs: retry_after.map_or(60, |d| d.as_secs()),
        });
    }
    if status >= 400 || !envelope.success {
        return Err(CloudflareError::Api {
            operation,
            status,
            errors: envelope.errors,
        });
    }
    // Some operations (deleting a policy) answer `"result": null`.
    let result = match envelope.result {
        Some(result) => result,
        None => serde_json::from_value(Value::Null).map_err(|_| CloudflareError::Decode {
            operation,
            detail: "the answer has no result".into(),
        })?,
    };
    Ok((result, envelope.result_info))
}

fn describe_association(hostname: &str, cert_id: Option<&str>, enabled: Option<bool>) -> String {
    match (cert_id, enabled) {
        (Some(id), Some(true)) => format!("{hostname} enabled with certificate {id}"),
        (Some(id), Some(false)) => format!("{hostname} disabled with certificate {id}"),
        (Some(id), None) => format!("{hostname} voided (certificate {id}, enabled null)"),
        _ => format!("{hostname} with no certificate"),
    }
}

/// The value of an on/off zone setting.
fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// A refusal (bad certificate, missing permission) means nothing was created; a timeout, a 5xx or
/// a 429/408/409 may hide a certificate that did arrive.
fn definitely_not_created(error: &CloudflareError) -> bool {
    match error {
        CloudflareError::Api { status, .. } => {
            (400..500).contains(status) && !matches!(status, 408 | 409 | 429)
        }
        _ => false,
    }
}

/// Private keys never appear in a dry run, nor anything about them.
fn redact_body(body: &Value) -> Value {
    let mut shown = body.clone();
    if let Some(key) = shown.get_mut("private_key") {
        *key = Value::String("<redacted private key>".into());
    }
    shown
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let read = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    if let Some(ms) = read("retry-after-ms") {
        return Some(Duration::from_secs_f64((ms / 1000.0).max(0.0)));
    }
    read("retry-after").map(|secs| Duration::from_secs_f64(secs.max(0.0)))
}

fn error_detail(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".into();
    }
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        // The commonest causes in a few words, rather than the library's chain of them.
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    return "the connection was refused (nothing listens there)".into();
                }
                std::io::ErrorKind::TimedOut => return "timed out".into(),
                _ => {}
            }
        }
        detail = format!("{detail}: {cause}");
        source = cause.source();
    }
    detail
}

#[cfg(test)]
mod tests {
    /// A refused connection is said in words, not as the HTTP library's chain ending
    /// "(os error 111)".
    #[tokio::test]
    async fn a_refused_connection_is_said_in_a_few_words() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", closed.local_addr().unwrap());
        drop(closed);
        let error = reqwest::get(&url).await.unwrap_err();
        assert_eq!(
            super::error_detail(&error),
            "the connection was refused (nothing listens there)"
        );
    }
}
