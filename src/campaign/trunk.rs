//! `trunks:` and `sip:` -> [`Trunk`]s and [`SipSettings`].
//!
//! A trunk URI is `sip:host[:port][;transport=udp|tcp|tls]` (`sips:` means TLS); the port
//! defaults to 5060, or 5061 for TLS. A `transport:` key and a `;transport=` parameter must
//! agree. Trunk names are unique. A `username` needs exactly one of `password_env` (the variable
//! must be set and non-empty) or `password_file` (readable; its trailing newline is dropped);
//! a password without a username is refused. Errors name the variable or the file, never the
//! value. `sip:` defaults: bind 0.0.0.0:5060, no public address, RTP ports 10000-20000.
//!
//! Must not: resolve host names or open sockets: that happens in `net/` when calls start.

use std::net::{IpAddr, SocketAddr};

use super::check::Checker;
use super::plan::{Secret, SipSettings, Transport, Trunk};
use super::policy::{MAX_CONCURRENT, MAX_CPS};
use super::raw::{RawSip, RawTrunk, Sp};

/// Validates every trunk; `env` looks up `password_env` variables.
pub(crate) fn trunks(
    check: &mut Checker<'_>,
    raw: &[Sp<RawTrunk>],
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Trunk> {
    let mut seen: Vec<&str> = Vec::new();
    let mut trunks = Vec::new();
    for (i, item) in raw.iter().enumerate() {
        let field = format!("trunks[{i}]");
        let name = item.value.name.value.trim();
        // Checked on the raw name so a duplicate is reported even when the first one is invalid.
        if seen.contains(&name) {
            let msg = format!("duplicate trunk name `{name}`; names must be unique");
            check.fail(&item.value.name, &format!("{field}.name"), msg);
        }
        seen.push(name);
        trunks.extend(trunk(check, &item.value, &field, env));
    }
    trunks
}

/// One trunk; every check runs (so all problems are reported) before any early return.
fn trunk(
    check: &mut Checker<'_>,
    raw: &RawTrunk,
    field: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<Trunk> {
    let name = check.text(&raw.name, &format!("{field}.name"));
    let uri = parse_uri(check, &raw.uri, &format!("{field}.uri"));
    let transport_key = match &raw.transport {
        None => Some(None),
        Some(t) => {
            let found = transport(&t.value);
            if found.is_none() {
                let msg = format!("unknown transport `{}`; expected udp, tcp or tls", t.value);
                check.fail(t, &format!("{field}.transport"), msg);
            }
            found.map(Some)
        }
    };
    let limit = |check: &mut Checker<'_>, v: &Option<Sp<i64>>, key: &str, max| match v {
        None => Some(None),
        Some(v) => check
            .count(
                v,
                &format!("{field}.{key}"),
                max,
                "more than the whole campaign allows",
            )
            .map(Some),
    };
    let max_concurrent = limit(check, &raw.max_concurrent, "max_concurrent", MAX_CONCURRENT);
    let max_cps = limit(check, &raw.max_cps, "max_cps", MAX_CPS);
    let password = password(check, raw, field, env);
    let (host, port, uri_transport) = uri?;
    let transport = match (transport_key?, uri_transport) {
        (Some(key), Some(param)) if key != param => {
            let msg = "disagrees with the URI's ;transport= parameter";
            check.fail(raw.transport.as_ref()?, &format!("{field}.transport"), msg);
            return None;
        }
        (key, param) => key.or(param).unwrap_or(Transport::Udp),
    };
    let (password, password_source) = password?;
    let tls_ca = match &raw.tls_ca {
        None => None,
        Some(_) if transport != Transport::Tls => {
            let msg = "only a `transport: tls` trunk verifies a certificate; remove tls_ca or \
                       set transport: tls";
            check.fail(raw.tls_ca.as_ref()?, &format!("{field}.tls_ca"), msg);
            return None;
        }
        Some(ca) => Some(check.existing_file(ca, &format!("{field}.tls_ca"))?),
    };
    Some(Trunk {
        name: name?,
        uri: raw.uri.value.trim().to_string(),
        host,
        port: port.unwrap_or(if transport == Transport::Tls {
            5061
        } else {
            5060
        }),
        transport,
        username: raw.username.as_ref().map(|u| u.value.trim().to_string()),
        password,
        password_source,
        max_concurrent: max_concurrent?,
        max_cps: max_cps?,
        tls_ca,
    })
}

fn transport(text: &str) -> Option<Transport> {
    match text.trim().to_ascii_lowercase().as_str() {
        "udp" => Some(Transport::Udp),
        "tcp" => Some(Transport::Tcp),
        "tls" => Some(Transport::Tls),
        _ => None,
    }
}

type UriParts = (String, Option<u16>, Option<Transport>);

/// `sip:host[:port][;transport=..]` -> (host, port, transport parameter).
fn parse_uri(check: &mut Checker<'_>, raw: &Sp<String>, field: &str) -> Option<UriParts> {
    let parsed = split_uri(raw.value.trim());
    if parsed.is_none() {
        let msg = format!(
            "`{}` is not a trunk URI; expected sip:host[:port][;transport=udp|tcp|tls], \
             e.g. sip:gw.example.net:5060",
            raw.value
        );
        check.fail(raw, field, msg);
    }
    parsed
}

fn split_uri(text: &str) -> Option<UriParts> {
    let (secure, rest) = if let Some(rest) = text.strip_prefix("sips:") {
        (true, rest)
    } else {
        (false, text.strip_prefix("sip:")?)
    };
    let mut parts = rest.split(';');
    let hostport = parts.next()?;
    let mut uri_transport = secure.then_some(Transport::Tls);
    for param in parts {
        match param.split_once('=') {
            Some((key, value)) if key.eq_ignore_ascii_case("transport") => {
                let t = transport(value)?;
                if secure && t != Transport::Tls {
                    return None;
                }
                uri_transport = Some(t);
            }
            Some((key, _)) if key.eq_ignore_ascii_case("lr") => {}
            None if param.eq_ignore_ascii_case("lr") => {}
            _ => return None,
        }
    }
    let (host, port) = split_hostport(hostport)?;
    Some((host, port, uri_transport))
}

fn split_hostport(text: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        v6.parse::<std::net::Ipv6Addr>().ok()?;
        (format!("[{v6}]"), after.strip_prefix(':'))
    } else {
        match text.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (text.to_string(), None),
        }
    };
    let host_ok = host.starts_with('[')
        || (!host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            }));
    if !host_ok {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p > 0)?),
    };
    Some((host, port))
}

type Password = (Option<Secret>, Option<String>);

/// The trunk's password, from exactly one source. Never puts the value in a message.
fn password(
    check: &mut Checker<'_>,
    raw: &RawTrunk,
    field: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<Password> {
    match (&raw.username, &raw.password_env, &raw.password_file) {
        (_, Some(var), Some(_)) => {
            let msg = "give either password_env or password_file, not both";
            check.fail(var, &format!("{field}.password_env"), msg);
            None
        }
        (None, Some(v), None) => {
            check.fail(
                v,
                &format!("{field}.password_env"),
                "a password needs a `username`",
            );
            None
        }
        (None, None, Some(f)) => {
            check.fail(
                f,
                &format!("{field}.password_file"),
                "a password needs a `username`",
            );
            None
        }
        (Some(user), None, None) => {
            let msg = "a username needs a password: add password_env (an environment variable \
                       name) or password_file (a file holding it)";
            check.fail(user, &format!("{field}.username"), msg);
            None
        }
        (None, None, None) => Some((None, None)),
        (Some(_), Some(var), None) => {
            let name = var.value.trim();
            let field = format!("{field}.password_env");
            match env(name).filter(|v| !v.is_empty()) {
                Some(value) => Some((Some(Secret::new(value)), Some(format!("env {name}")))),
                None => {
                    let msg = format!("environment variable {name} is not set (or is empty)");
                    check.fail(var, &field, msg);
                    None
                }
            }
        }
        (Some(_), None, Some(file)) => {
            let path = check.resolve(&file.value);
            let field = format!("{field}.password_file");
            match std::fs::read_to_string(&path) {
                Ok(text) if !text.trim_end_matches(['\r', '\n']).is_empty() => {
                    let secret = Secret::new(text.trim_end_matches(['\r', '\n']));
                    Some((Some(secret), Some(format!("file {}", path.display()))))
                }
                Ok(_) => {
                    check.fail(file, &field, format!("{} is empty", path.display()));
                    None
                }
                Err(e) => {
                    let msg = format!("cannot read {}: {}", path.display(), e.kind());
                    check.fail(file, &field, msg);
                    None
                }
            }
        }
    }
}

/// The sip block, defaults for absent keys.
pub(crate) fn sip(check: &mut Checker<'_>, raw: Option<&Sp<RawSip>>) -> SipSettings {
    let mut sip = SipSettings::default();
    let Some(raw) = raw else { return sip };
    let raw = &raw.value;
    if let Some(v) = &raw.bind {
        match v.value.trim().parse::<SocketAddr>() {
            Ok(addr) => sip.bind = addr,
            Err(_) => check.fail(
                v,
                "sip.bind",
                format!(
                    "`{}` is not IP:port; expected e.g. 0.0.0.0:5060 (port 0: any free port)",
                    v.value
                ),
            ),
        }
    }
    if let Some(v) = &raw.public_addr {
        match v.value.trim().parse::<IpAddr>() {
            Ok(ip) => sip.public_addr = Some(ip),
            Err(_) => check.fail(
                v,
                "sip.public_addr",
                format!(
                    "`{}` is not an IP address; expected e.g. 203.0.113.7",
                    v.value
                ),
            ),
        }
    }
    if let Some(v) = &raw.rtp_ports {
        let range = v
            .value
            .trim()
            .split_once('-')
            .and_then(|(a, b)| Some((a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?)))
            .filter(|(a, b)| *a >= 1 && a <= b);
        match range {
            Some((a, b)) => sip.rtp_ports = a..=b,
            None => check.fail(
                v,
                "sip.rtp_ports",
                format!(
                    "`{}` is not a port range; expected A-B with 1 <= A <= B <= 65535, \
                     e.g. 10000-20000 (an even A is conventional: RTP even, RTCP odd)",
                    v.value
                ),
            ),
        }
    }
    sip
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::error::{Issues, LoadError};

    #[test]
    fn uri_forms() {
        let ok = |uri: &str| split_uri(uri).unwrap_or_else(|| panic!("{uri}"));
        assert_eq!(
            ok("sip:gw.example.net"),
            ("gw.example.net".into(), None, None)
        );
        assert_eq!(
            ok("sip:gw.example.net:5080"),
            ("gw.example.net".into(), Some(5080), None)
        );
        assert_eq!(
            ok("sip:10.0.0.1;transport=TCP"),
            ("10.0.0.1".into(), None, Some(Transport::Tcp))
        );
        assert_eq!(ok("sips:gw"), ("gw".into(), None, Some(Transport::Tls)));
        assert_eq!(ok("sip:[::1]:5062;lr"), ("[::1]".into(), Some(5062), None));
        for bad in [
            "gw.example.net",
            "sip:",
            "sip:acct@gw.example.net",
            "sip:gw:0",
            "sip:gw:99999",
            "sip:gw;transport=sctp",
            "sips:gw;transport=udp",
            "sip:gw;foo=bar",
            "sip:gw..net",
            "sip:[nope]",
        ] {
            assert!(split_uri(bad).is_none(), "{bad}");
        }
    }

    fn sip_errors(yaml: &str) -> Result<SipSettings, String> {
        let raw: Sp<RawSip> = serde_saphyr::from_str(yaml).expect("yaml");
        let mut issues = Issues::default();
        let file = std::path::Path::new("c.yaml");
        let sip = sip(
            &mut Checker {
                file,
                issues: &mut issues,
            },
            Some(&raw),
        );
        match issues.finish() {
            Ok(()) => Ok(sip),
            Err(LoadError::Invalid { issues }) => Err(issues[0].to_string()),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn sip_block() {
        let sip = sip_errors("bind: 127.0.0.1:0\npublic_addr: 2001:db8::1\nrtp_ports: 4000-4000\n")
            .unwrap();
        assert_eq!(sip.bind.port(), 0);
        assert_eq!(sip.rtp_ports, 4000..=4000);
        assert!(
            sip_errors("rtp_ports: 20000-10000\n")
                .unwrap_err()
                .starts_with("c.yaml:1:12: sip.rtp_ports: `20000-10000`")
        );
        assert!(
            sip_errors("bind: localhost:5060\n")
                .unwrap_err()
                .contains("sip.bind")
        );
        assert!(
            sip_errors("public_addr: gw.example.net\n")
                .unwrap_err()
                .contains("sip.public_addr")
        );
    }
}
