//! What every Cloudflare subcommand needs: a runtime, and a client with the credentials from the
//! environment or the keyring.

use color_eyre::eyre::Result;

use crate::cloudflare::{ApiToken, Client, Credentials, RetryPolicy, Zone};
use crate::token_store;

pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    Ok(runtime.block_on(future))
}

/// Legacy Global API Key users set both of these instead of a token.
const EMAIL_ENV: &str = "CLOUDFLARE_EMAIL";
const KEY_ENV: &str = "CLOUDFLARE_API_KEY";

pub fn credentials() -> Result<(Credentials, String)> {
    if let (Ok(email), Ok(key)) = (std::env::var(EMAIL_ENV), std::env::var(KEY_ENV)) {
        return Ok((
            Credentials::GlobalKey {
                email,
                key: ApiToken::new(key),
            },
            format!("{EMAIL_ENV} and {KEY_ENV}"),
        ));
    }
    match token_store::resolve() {
        Ok(Some((token, source))) => Ok((Credentials::Token(token), source.describe().to_string())),
        Ok(None) => Err(crate::cloudflare::CloudflareError::Refused(format!(
            "no Cloudflare API token: run `aop-wizard auth login`, or set {} (try `aop-wizard fake-api` for a local fake Cloudflare)",
            token_store::TOKEN_ENV
        ))
        .into()),
        Err(error) => Err(error.into()),
    }
}

pub fn client() -> Result<Client> {
    let (credentials, _) = credentials()?;
    client_with(credentials)
}

/// A client for `credentials`, each call to Cloudflare bounded as `AOP_WIZARD_API_TIMEOUT` says.
pub fn client_with(credentials: Credentials) -> Result<Client> {
    let policy = RetryPolicy::from_env().map_err(color_eyre::eyre::Report::msg)?;
    Ok(Client::new(
        &Client::base_url_from_env(),
        credentials,
        policy,
    )?)
}

/// The zone named by the user: `EXAMPLE.COM.` is looked up as `example.com`, a name that cannot
/// be a zone is refused before any request.
pub async fn zone(client: &Client, name: &str) -> Result<Zone> {
    let name = crate::names::zone(name)?;
    Ok(client.zone_by_name(&name).await?)
}
