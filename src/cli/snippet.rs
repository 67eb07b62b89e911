//! `aop-wizard snippet SERVER --phase log|enforce (--ca PATH… | --global)`.

use std::io::Write;
use std::path::Path;

use clap::Args;
use color_eyre::eyre::Result;
use time::OffsetDateTime;

use super::output::{Outcome, print_json};
use crate::pki::{self, cloudflare_ca};
use crate::snippets::{
    self, CaFile, NginxFallback, ServerVersion, SnippetPhase, SnippetRequest, WebServer,
};

pub(super) const DEFAULT_GLOBAL_CA_DIR: &str = "/etc/ssl/cloudflare";

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  aop-wizard snippet nginx --phase log --ca /etc/nginx/aop/ca.crt \\\n      --nginx-upstream http://127.0.0.1:8080\n  aop-wizard snippet apache --phase enforce --ca /etc/apache2/aop/ca.crt\n  aop-wizard snippet caddy --phase enforce --ca /etc/caddy/old-ca.pem \\\n      --ca /etc/caddy/new-ca.pem --server-version 2.6\n  aop-wizard snippet haproxy --phase log --global\n  aop-wizard snippet traefik --phase enforce --ca /etc/traefik/ca.pem --json\n\n--ca names the CA file as it will be found on the origin. When it also exists on this machine it is\nchecked (it must be a CA) and its certificates are counted."
)]
pub struct SnippetArgs {
    /// nginx, apache, haproxy, traefik or caddy
    server: WebServer,
    /// log: ask for the certificate and log the result, serve everything; enforce: refuse requests without a valid certificate
    #[arg(long)]
    phase: SnippetPhase,
    /// Path of a trusted CA file on the origin; repeat for a rotation (old and new CA)
    #[arg(
        long,
        value_name = "PATH",
        required_unless_present = "global",
        conflicts_with = "global"
    )]
    ca: Vec<String>,
    /// Trust Cloudflare's shared CA (global AOP) instead of your own
    #[arg(long)]
    global: bool,
    /// Where Cloudflare's CA will be on the origin, with --global (write it there with `aop-wizard cert global-ca`)
    #[arg(long, value_name = "PATH", requires = "global")]
    global_ca_path: Option<String>,
    /// Version of the web server on the origin (matters for Caddy: 2.8 introduced trust_pool)
    #[arg(long, value_name = "VERSION")]
    server_version: Option<ServerVersion>,
    /// Directory for the access log the snippet adds
    #[arg(long, value_name = "DIR")]
    log_dir: Option<String>,
    /// nginx log phase: proxy requests whose certificate failed verification to this upstream, as the site does
    #[arg(long, value_name = "URL", conflicts_with = "nginx_root")]
    nginx_upstream: Option<String>,
    /// nginx log phase: serve requests whose certificate failed verification from this document root
    #[arg(long, value_name = "DIR")]
    nginx_root: Option<String>,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(args: SnippetArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ca_files = if args.global {
        cloudflare_ca::der().map_err(color_eyre::eyre::Report::msg)?;
        let path = args
            .global_ca_path
            .unwrap_or_else(|| format!("{DEFAULT_GLOBAL_CA_DIR}/{}", cloudflare_ca::FILE_NAME));
        vec![CaFile {
            path,
            certificates: Some(1),
        }]
    } else {
        args.ca
            .iter()
            .map(|path| describe_ca_file(path))
            .collect::<Result<_>>()?
    };
    let mut request = SnippetRequest::new(
        args.server,
        args.phase,
        ca_files,
        OffsetDateTime::now_utc().date(),
    );
    request.global = args.global;
    request.server_version = args.server_version;
    request.log_dir = args.log_dir;
    if let Some(url) = args.nginx_upstream {
        request.nginx_fallback = NginxFallback::Proxy(url);
    } else if let Some(dir) = args.nginx_root {
        request.nginx_fallback = NginxFallback::Root(dir);
    }
    let snippet = snippets::render(&request)?;
    if args.json {
        let mut value = serde_json::to_value(&snippet)?;
        value["text"] = serde_json::Value::String(snippet.text());
        print_json(out, &value)?;
    } else {
        out.write_all(snippet.text().as_bytes())?;
    }
    Ok(Outcome::Success)
}

/// A CA path that exists here is checked now rather than by the web server later.
fn describe_ca_file(path: &str) -> Result<CaFile> {
    let local = Path::new(path);
    if !local.exists() {
        return Ok(CaFile::new(path));
    }
    let certs = pki::load_ca_certificates(local)?;
    Ok(CaFile {
        path: path.to_string(),
        certificates: Some(certs.len()),
    })
}
