//! Where the Cloudflare API token is kept: the OS keyring (Secret Service or the kernel keyring on
//! Linux, Keychain on macOS, Credential Manager on Windows), with `CLOUDFLARE_API_TOKEN` as an
//! override for CI and headless machines. Never a plaintext file.

use crate::cloudflare::ApiToken;

pub const TOKEN_ENV: &str = "CLOUDFLARE_API_TOKEN";
const SERVICE: &str = "aop-wizard";
const USER: &str = "cloudflare-api-token";
/// Chooses the keyring backend: `secret-service`, `keyutils` or `none`.
pub const STORE_ENV: &str = "AOP_WIZARD_KEYRING";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenSource {
    Environment,
    Keyring,
}

impl TokenSource {
    pub fn describe(self) -> &'static str {
        match self {
            TokenSource::Environment => "the CLOUDFLARE_API_TOKEN environment variable",
            TokenSource::Keyring => "the OS keyring",
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenStoreError {
    #[error(
        "no OS keyring is available here ({0}); set CLOUDFLARE_API_TOKEN in the environment instead (aop-wizard never writes the token to a file)"
    )]
    Unavailable(String),
    #[error(
        "CLOUDFLARE_API_TOKEN is set but empty: put the token in it, or unset it to use the one in the OS keyring"
    )]
    EmptyEnvironment,
    #[error("the OS keyring refused access ({0}); unlock it, or set CLOUDFLARE_API_TOKEN instead")]
    Refused(String),
}

/// The token to use and where it came from: the environment first, then the keyring.
pub fn resolve() -> Result<Option<(ApiToken, TokenSource)>, TokenStoreError> {
    if let Some(token) = std::env::var_os(TOKEN_ENV) {
        // Set but empty is a script's mistake (`export CLOUDFLARE_API_TOKEN=$UNSET`): said,
        // rather than quietly using whatever the keyring holds.
        let token = ApiToken::new(token.to_string_lossy());
        if token.is_empty() {
            return Err(TokenStoreError::EmptyEnvironment);
        }
        return Ok(Some((token, TokenSource::Environment)));
    }
    Ok(load()?.map(|token| (token, TokenSource::Keyring)))
}

pub fn load() -> Result<Option<ApiToken>, TokenStoreError> {
    match entry()?.get_password() {
        Ok(secret) => Ok(Some(ApiToken::new(secret))),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(error) => Err(classify(error)),
    }
}

pub fn save(token: &ApiToken) -> Result<String, TokenStoreError> {
    entry()?.set_password(token.expose()).map_err(classify)?;
    Ok(backend_name())
}

/// Removes the stored token; true when there was one.
pub fn delete() -> Result<bool, TokenStoreError> {
    match entry()?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring_core::Error::NoEntry) => Ok(false),
        Err(error) => Err(classify(error)),
    }
}

fn classify(error: keyring_core::Error) -> TokenStoreError {
    match error {
        keyring_core::Error::NoStorageAccess(detail) => {
            TokenStoreError::Refused(detail.to_string())
        }
        other => TokenStoreError::Unavailable(other.to_string()),
    }
}

fn entry() -> Result<keyring_core::Entry, TokenStoreError> {
    install_store()?;
    keyring_core::Entry::new(SERVICE, USER).map_err(|e| TokenStoreError::Unavailable(e.to_string()))
}

static BACKEND: std::sync::OnceLock<Result<String, TokenStoreError>> = std::sync::OnceLock::new();

/// Picks the backend once per process.
fn install_store() -> Result<(), TokenStoreError> {
    BACKEND
        .get_or_init(|| {
            let wanted = std::env::var(STORE_ENV).unwrap_or_default();
            known_store(&wanted)?;
            let (name, store) = platform_store(&wanted)?;
            keyring_core::set_default_store(store);
            Ok(name)
        })
        .clone()
        .map(|_| ())
}

/// A keyring asked for by a name it does not have is said, not quietly replaced by another.
fn known_store(wanted: &str) -> Result<(), TokenStoreError> {
    match wanted {
        "" | "none" | "secret-service" | "keyutils" => Ok(()),
        other => Err(TokenStoreError::Unavailable(format!(
            "{STORE_ENV}={} is none of secret-service, keyutils or none; unset it to pick one automatically",
            crate::untrusted::one_line(other, 60)
        ))),
    }
}

pub fn backend_name() -> String {
    BACKEND
        .get()
        .and_then(|b| b.clone().ok())
        .unwrap_or_else(|| "none".into())
}

type Store = std::sync::Arc<keyring_core::CredentialStore>;

#[cfg(target_os = "linux")]
fn platform_store(wanted: &str) -> Result<(String, Store), TokenStoreError> {
    let secret_service = || -> Result<(String, Store), TokenStoreError> {
        let store = zbus_secret_service_keyring_store::Store::new()
            .map_err(|e| TokenStoreError::Unavailable(format!("Secret Service: {e}")))?;
        Ok(("Secret Service".into(), store))
    };
    let keyutils = || -> Result<(String, Store), TokenStoreError> {
        // Without a session keyring of its own (no pam_keyinit: SSH, containers, CI) the process
        // cannot link keys into the persistent keyring; joining a fresh one fixes that.
        let _ = linux_keyutils::KeyRing::from_special_id(
            linux_keyutils::KeyRingIdentifier::Session,
            true,
        );
        let store = linux_keyutils_keyring_store::Store::new()
            .map_err(|e| TokenStoreError::Unavailable(format!("kernel keyring: {e}")))?;
        Ok(("kernel keyring (kept until reboot)".into(), store))
    };
    match wanted {
        "none" => Err(TokenStoreError::Unavailable(format!("{STORE_ENV}=none"))),
        "secret-service" => secret_service(),
        "keyutils" => keyutils(),
        _ if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() => {
            secret_service().or_else(|_| keyutils())
        }
        _ => keyutils(),
    }
}

#[cfg(target_os = "macos")]
fn platform_store(wanted: &str) -> Result<(String, Store), TokenStoreError> {
    if wanted == "none" {
        return Err(TokenStoreError::Unavailable(format!("{STORE_ENV}=none")));
    }
    let store = apple_native_keyring_store::keychain::Store::new()
        .map_err(|e| TokenStoreError::Unavailable(e.to_string()))?;
    Ok(("macOS Keychain".into(), store))
}

#[cfg(windows)]
fn platform_store(wanted: &str) -> Result<(String, Store), TokenStoreError> {
    if wanted == "none" {
        return Err(TokenStoreError::Unavailable(format!("{STORE_ENV}=none")));
    }
    let store = windows_native_keyring_store::Store::new()
        .map_err(|e| TokenStoreError::Unavailable(e.to_string()))?;
    Ok(("Windows Credential Manager".into(), store))
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn platform_store(_wanted: &str) -> Result<(String, Store), TokenStoreError> {
    Err(TokenStoreError::Unavailable(
        "no supported keyring on this operating system".into(),
    ))
}
