//! A CA key's passphrase: held in memory only, never printed (its `Debug` is redacted), never
//! saved (types that are saved skip it).

/// A passphrase as typed. Compared and cloned like text, but never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase(String);

/// Why a passphrase typed twice for a new key is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassphraseProblem {
    #[error("the two passphrases differ: type both again")]
    Mismatch,
    #[error("the passphrase is shorter than {min} characters: choose a longer one")]
    TooShort { min: usize },
}

impl Passphrase {
    /// Shorter passphrases fall to guessing within hours once the encrypted key is copied.
    pub const MIN_CHARS: usize = 8;

    /// A passphrase for an existing key: taken as typed (the key decides whether it is right).
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// A passphrase for a new key, typed twice: both must match and be long enough.
    pub fn chosen(first: &str, again: &str) -> Result<Self, PassphraseProblem> {
        if first != again {
            return Err(PassphraseProblem::Mismatch);
        }
        Self::for_new_key(first)
    }

    /// A passphrase for a new key given once (from the environment): long enough, as a typed
    /// one must be.
    pub fn for_new_key(text: &str) -> Result<Self, PassphraseProblem> {
        if text.chars().count() < Self::MIN_CHARS {
            return Err(PassphraseProblem::TooShort {
                min: Self::MIN_CHARS,
            });
        }
        Ok(Self(text.to_string()))
    }

    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_passphrase_must_match_and_be_long_enough() {
        assert_eq!(
            Passphrase::chosen("correct horse", "correct horsf"),
            Err(PassphraseProblem::Mismatch)
        );
        assert_eq!(
            Passphrase::chosen("short", "short"),
            Err(PassphraseProblem::TooShort { min: 8 })
        );
        let chosen = Passphrase::chosen("correct horse", "correct horse").unwrap();
        assert_eq!(chosen.expose(), b"correct horse");
    }

    #[test]
    fn debug_output_never_shows_it() {
        let shown = format!("{:?}", Some(Passphrase::new("hunter2-secret")));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
