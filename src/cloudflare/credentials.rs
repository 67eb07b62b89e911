//! Credentials in types that cannot be printed or logged by accident.

/// An API token. `Debug` shows `ApiToken(***)`; there is no `Display`, and the only way to the
/// text is [`ApiToken::expose`], used where it goes into an HTTP header or the OS keyring.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into().trim().to_string())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A Global API Key (hex, 37–45 characters, or `cfk_…`) pasted where a token belongs.
    pub fn looks_like_global_key(&self) -> bool {
        let t = &self.0;
        t.starts_with("cfk_")
            || ((37..=45).contains(&t.len())
                && t.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()))
    }

    /// Account-owned tokens (`cfat_…`) are verified on the account endpoint, not the user one.
    pub fn looks_like_account_token(&self) -> bool {
        self.0.starts_with("cfat_")
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

#[derive(Clone, Debug)]
pub enum Credentials {
    /// `Authorization: Bearer …` (preferred).
    Token(ApiToken),
    /// Legacy `X-Auth-Email` + `X-Auth-Key` (account-wide Global API Key).
    GlobalKey { email: String, key: ApiToken },
}

impl Credentials {
    pub(crate) fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Credentials::Token(token) => request.bearer_auth(token.expose()),
            Credentials::GlobalKey { email, key } => request
                .header("X-Auth-Email", email)
                .header("X-Auth-Key", key.expose()),
        }
    }

    /// The headers as `--dry-run` shows them: the secret replaced.
    pub fn redacted_headers(&self) -> Vec<(String, String)> {
        match self {
            Credentials::Token(_) => vec![("Authorization".into(), "Bearer <redacted>".into())],
            Credentials::GlobalKey { email, .. } => vec![
                ("X-Auth-Email".into(), email.clone()),
                ("X-Auth-Key".into(), "<redacted>".into()),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_shows_in_debug_output() {
        let token = ApiToken::new("supersecret-token-value");
        let creds = Credentials::Token(token.clone());
        assert!(!format!("{token:?} {creds:?}").contains("supersecret"));
    }

    #[test]
    fn global_keys_and_account_tokens_are_recognised() {
        assert!(ApiToken::new("0123456789abcdef0123456789abcdef01234").looks_like_global_key());
        assert!(!ApiToken::new("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ABCD").looks_like_global_key());
        assert!(ApiToken::new("cfat_xyz").looks_like_account_token());
    }
}
