use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{field, input_line};
use crate::pki::Passphrase;
use crate::tui::app::UNENCRYPTED_RISK;
use crate::tui::state::{Field, KEY_TYPES, Wizard};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    super::wrapped(frame, area, state, lines(state, theme), theme);
}

/// The screen's text (the viewer shows it whole).
pub fn lines<'a>(state: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if !state.scope.uses_own_certificate() {
        lines.push(Line::from(
            "Global AOP uses Cloudflare's own certificate; your origin trusts Cloudflare's CA:",
        ));
        lines.push(field(
            "CA",
            "Cloudflare origin-pull CA (shipped in aop-wizard, SHA-256 pinned)",
            theme,
        ));
        lines.push(field("expires", "2029-11-01", theme));
        lines.push(Line::from(""));
        lines.push(Line::styled(
            "Every Cloudflare customer's requests carry this certificate: prefer zone-level for real isolation.",
            theme.warn,
        ));
        return lines;
    }
    if let Some(ready) = &state.certificate {
        lines.push(Line::from(vec![
            Span::styled("✓ ", theme.good),
            Span::raw(if ready.generated {
                "Generated and saved:"
            } else {
                "Imported and checked:"
            }),
        ]));
        lines.push(field(
            "client cert",
            ready.files.client_cert.display().to_string(),
            theme,
        ));
        lines.push(field(
            "client key",
            ready.files.client_key.display().to_string(),
            theme,
        ));
        lines.push(field(
            "CA cert",
            ready.files.ca_cert.display().to_string(),
            theme,
        ));
        if ready.generated {
            lines.push(field(
                "CA key",
                format!(
                    "{} (never leaves this machine{})",
                    ready.files.ca_key.display(),
                    if ready.ca_key_encrypted {
                        "; encrypted with your passphrase"
                    } else {
                        ""
                    }
                ),
                theme,
            ));
        }
        lines.push(field("subject", ready.subject.clone(), theme));
        lines.push(field(
            "expires",
            format!("{} ({} days)", ready.not_after, ready.days_left),
            theme,
        ));
        lines.push(field("SHA-256", ready.fingerprint.clone(), theme));
        if ready.generated && !ready.ca_key_encrypted {
            lines.push(Line::styled(
                format!("Note: {UNENCRYPTED_RISK}."),
                theme.warn,
            ));
        }
        return lines;
    }
    let focused = |f: Field| state.focus == f;
    let choice = |on: bool, label: &str| {
        if on {
            Span::styled(format!("[{label}]"), theme.selected)
        } else {
            Span::raw(format!(" {label} "))
        }
    };
    lines.push(Line::from(vec![
        Span::styled(
            format!("{:<15}", "certificate"),
            if focused(Field::Mode) {
                theme.current
            } else {
                theme.dim
            },
        ),
        choice(state.generate, "Generate new CA + certificate"),
        Span::raw(" "),
        choice(!state.generate, "Import files"),
    ]));
    lines.push(Line::from(""));
    if state.generate {
        let mut spans = vec![Span::styled(
            format!("{:<15}", "key type"),
            if focused(Field::KeyType) {
                theme.current
            } else {
                theme.dim
            },
        )];
        for (index, key_type) in KEY_TYPES.iter().enumerate() {
            spans.push(choice(index == state.key_type, key_type.name()));
            spans.push(Span::raw(" "));
        }
        lines.push(Line::from(spans));
        lines.push(input_line(
            "save in",
            state.out_dir.display(),
            focused(Field::OutDir),
            theme,
        ));
        lines.push(input_line(
            "CA passphrase",
            state.ca_passphrase.display(),
            focused(Field::CaPassphrase),
            theme,
        ));
        lines.push(input_line(
            "  again",
            state.ca_passphrase_again.display(),
            focused(Field::CaPassphraseAgain),
            theme,
        ));
        lines.push(passphrase_note(state, theme));
        lines.push(Line::from(""));
        lines.push(Line::styled(
            "Writes ca.crt, ca.key (0600, stays here), client.crt and client.key (0600, uploaded next). Nothing is replaced without asking.",
            theme.dim,
        ));
        lines.push(Line::styled(
            "ECDSA P-256 is instant and accepted everywhere; RSA-4096 follows Cloudflare's openssl recipe.",
            theme.dim,
        ));
    } else {
        for (label, input, field) in [
            ("client cert", &state.import_cert, Field::ImportCert),
            ("client key", &state.import_key, Field::ImportKey),
            ("CA cert", &state.import_ca, Field::ImportCa),
        ] {
            lines.push(input_line(label, input.display(), focused(field), theme));
        }
        lines.push(Line::from(""));
        lines.push(Line::styled(
            "Checked as `aop-wizard cert check` does: a leaf with clientAuth, matching unencrypted key, not expiring, signed by the CA.",
            theme.dim,
        ));
    }
    lines
}

/// What the CA key's passphrase (or its absence) means, under the passphrase fields.
pub fn passphrase_note(state: &Wizard, theme: &Theme) -> Line<'static> {
    if state.ca_passphrase.value.is_empty() {
        Line::styled(format!("No passphrase: {UNENCRYPTED_RISK}."), theme.warn)
    } else {
        Line::styled(
            format!(
                "ca.key is encrypted (PKCS#8, AES-256); at least {} characters; asked again when \
                 rotating.",
                Passphrase::MIN_CHARS
            ),
            theme.dim,
        )
    }
}
