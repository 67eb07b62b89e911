//! The documented procedure as an ordered list of steps, and which of them a scope goes through.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Step {
    Welcome,
    Token,
    Zone,
    SslMode,
    Certificate,
    Upload,
    SnippetLog,
    Enable,
    VerifyLog,
    Enforce,
    Alerts,
    Summary,
    /// Day two: a new certificate in place of the current one.
    Rotate,
    /// The way back: origin relaxed first, then Cloudflare.
    Undo,
    /// Snippets only: the server, the CA the origin trusts and the phase.
    SnippetChoice,
    /// Snippets only: the snippet, to copy or write with its CA file.
    SnippetReady,
}

/// What the wizard is walking through: the first set-up, or a rotation of what it set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Task {
    #[default]
    SetUp,
    Rotate,
    Undo,
    /// Only the origin's snippet and CA file: no token, no Cloudflare account.
    Snippets,
}

pub use crate::setup::Scope;
use crate::setup::Stage;

impl Step {
    /// The stage of the set-up this screen brings the zone to, when it is one.
    pub fn stage(self) -> Option<Stage> {
        Some(match self {
            Step::SslMode => Stage::SslModeReady,
            Step::Certificate => Stage::CertificateReady,
            Step::Upload => Stage::Active,
            Step::SnippetLog => Stage::LogSnippetWritten,
            Step::Enable => Stage::Enabled,
            Step::VerifyLog => Stage::ServedWhileLogging,
            Step::Enforce => Stage::ServedWhileEnforcing,
            Step::Alerts => Stage::AlertSet,
            _ => return None,
        })
    }

    /// The screens a saved set-up has finished: those of the stages it reached, and the ones
    /// before the set-up proper (scope, token, zone).
    pub fn finished_by(
        reached: &std::collections::BTreeSet<Stage>,
    ) -> std::collections::BTreeSet<Step> {
        Step::ALL
            .into_iter()
            .filter(|step| match step.stage() {
                Some(stage) => reached.contains(&stage),
                None => matches!(step, Step::Welcome | Step::Token | Step::Zone),
            })
            .collect()
    }

    pub const ALL: [Step; 16] = [
        Step::Welcome,
        Step::Token,
        Step::Zone,
        Step::SslMode,
        Step::Certificate,
        Step::Upload,
        Step::SnippetLog,
        Step::Enable,
        Step::VerifyLog,
        Step::Enforce,
        Step::Alerts,
        Step::Summary,
        Step::Rotate,
        Step::Undo,
        Step::SnippetChoice,
        Step::SnippetReady,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Step::Welcome => "Scope",
            Step::Token => "API token",
            Step::Zone => "Zone",
            Step::SslMode => "SSL/TLS mode",
            Step::Certificate => "Certificate",
            Step::Upload => "Upload",
            Step::SnippetLog => "Origin: log",
            Step::Enable => "Enable",
            Step::VerifyLog => "Verify log",
            Step::Enforce => "Enforce",
            Step::Alerts => "Expiry alerts",
            Step::Summary => "Summary",
            Step::Rotate => "Rotate",
            Step::Undo => "Undo",
            Step::SnippetChoice => "Server and CA",
            Step::SnippetReady => "Origin snippet",
        }
    }

    /// The one line under each screen's title.
    pub fn why(self) -> &'static str {
        match self {
            Step::Welcome => {
                "Authenticated Origin Pulls makes Cloudflare present a client certificate, so your origin can refuse everyone else."
            }
            Step::Token => {
                "Every change goes through Cloudflare's API with a scoped API token (never your Global API Key)."
            }
            Step::Zone => "AOP is configured per zone (domain).",
            Step::SslMode => {
                "Cloudflare only sends a client certificate over HTTPS to the origin: the SSL/TLS mode must be Full or Full (strict)."
            }
            Step::Certificate => {
                "Cloudflare presents a client certificate; your origin trusts the CA that signed it."
            }
            Step::Upload => {
                "Cloudflare must hold the certificate and its key to present it to your origin."
            }
            Step::SnippetLog => {
                "First ask for the certificate and log the result without refusing anyone, so nothing breaks."
            }
            Step::Enable => "Now Cloudflare starts presenting the certificate to your origin.",
            Step::VerifyLog => {
                "Prove the origin asks for the certificate and that traffic through Cloudflare still flows."
            }
            Step::Enforce => {
                "Refuse every request without Cloudflare's certificate, then prove it from outside."
            }
            Step::Alerts => {
                "Cloudflare never removes an expired certificate: once it expires, every request fails. Get an e-mail first."
            }
            Step::Summary => "What was done, and how to check it again later.",
            Step::Rotate => {
                "A new certificate replaces the current one; Cloudflare always has an active one to present."
            }
            Step::Undo => {
                "Turning AOP off on Cloudflare while the origin still enforces breaks every request: the origin goes first."
            }
            Step::SnippetChoice => {
                "Only the origin's side: no API token, no Cloudflare account, nothing sent."
            }
            Step::SnippetReady => {
                "Paste it, or write it with its CA file, and install it on the origin."
            }
        }
    }

    pub fn applies_to(self, task: Task, scope: Scope) -> bool {
        match (task, self) {
            (Task::Rotate, step) => {
                matches!(
                    step,
                    Step::Welcome | Step::Token | Step::Zone | Step::Rotate
                )
            }
            (Task::Undo, step) => {
                matches!(step, Step::Welcome | Step::Token | Step::Zone | Step::Undo)
            }
            (Task::Snippets, step) => {
                matches!(
                    step,
                    Step::Welcome | Step::SnippetChoice | Step::SnippetReady
                )
            }
            (Task::SetUp, Step::Rotate | Step::Undo) => false,
            (Task::SetUp, Step::SnippetChoice | Step::SnippetReady) => false,
            (Task::SetUp, Step::Upload | Step::Alerts) => scope.uses_own_certificate(),
            (Task::SetUp, _) => true,
        }
    }

    pub fn next(self, task: Task, scope: Scope) -> Option<Step> {
        let index = Step::ALL.iter().position(|s| *s == self)?;
        Step::ALL[index + 1..]
            .iter()
            .copied()
            .find(|s| s.applies_to(task, scope))
    }

    pub fn previous(self, task: Task, scope: Scope) -> Option<Step> {
        let index = Step::ALL.iter().position(|s| *s == self)?;
        Step::ALL[..index]
            .iter()
            .rev()
            .copied()
            .find(|s| s.applies_to(task, scope))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_skips_upload_and_alerts() {
        let set_up = Task::SetUp;
        assert_eq!(
            Step::Certificate.next(set_up, Scope::Global),
            Some(Step::SnippetLog)
        );
        assert_eq!(
            Step::Enforce.next(set_up, Scope::Global),
            Some(Step::Summary)
        );
        assert_eq!(
            Step::SnippetLog.previous(set_up, Scope::Global),
            Some(Step::Certificate)
        );
        assert_eq!(
            Step::Certificate.next(set_up, Scope::Zone),
            Some(Step::Upload)
        );
        assert_eq!(Step::Summary.next(set_up, Scope::Zone), None);
        assert_eq!(Step::Welcome.previous(set_up, Scope::Zone), None);
    }

    #[test]
    fn rotation_goes_from_the_zone_to_the_rotate_screen() {
        assert_eq!(
            Step::Zone.next(Task::Rotate, Scope::Hostname),
            Some(Step::Rotate)
        );
        assert_eq!(
            Step::Rotate.previous(Task::Rotate, Scope::Zone),
            Some(Step::Zone)
        );
        assert!(!Step::Rotate.applies_to(Task::SetUp, Scope::Zone));
    }

    #[test]
    fn snippets_only_goes_from_the_first_screen_to_its_own_two_steps() {
        let only = Task::Snippets;
        assert_eq!(
            Step::Welcome.next(only, Scope::Zone),
            Some(Step::SnippetChoice)
        );
        assert_eq!(
            Step::SnippetChoice.next(only, Scope::Global),
            Some(Step::SnippetReady)
        );
        assert_eq!(
            Step::SnippetChoice.previous(only, Scope::Zone),
            Some(Step::Welcome)
        );
        let shown: Vec<Step> = Step::ALL
            .into_iter()
            .filter(|s| s.applies_to(only, Scope::Zone))
            .collect();
        assert_eq!(
            shown,
            [Step::Welcome, Step::SnippetChoice, Step::SnippetReady]
        );
        for task in [Task::SetUp, Task::Rotate, Task::Undo] {
            assert!(!Step::SnippetReady.applies_to(task, Scope::Zone));
        }
    }
}
