//! Header fixes and readings at the edge: the `qop="auth,auth-int"` challenge that rsipstack
//! 0.7.14 cannot parse (notes/rsipstack.md trap 6), and `Retry-After`.
//!
//! Must not: compute digests (rsipstack does) or see passwords.

use std::borrow::Cow;
use std::time::Duration;

use rsipstack::sip::{Header, Response, SipMessage};
use rsipstack::transaction::endpoint::MessageInspector;
use rsipstack::transport::SipAddr;

/// Rewrites a challenge offering several qop values to plain `auth`, which rsipstack parses and
/// computes correctly (its `auth-int` is wrong, and the list form kills the call).
pub(super) struct QopDowngrade;

impl MessageInspector for QopDowngrade {
    fn before_send(&self, msg: SipMessage, _dest: Option<&SipAddr>) -> SipMessage {
        msg
    }

    fn after_received(&self, msg: SipMessage, _from: Option<&SipAddr>) -> SipMessage {
        let SipMessage::Response(mut resp) = msg else {
            return msg;
        };
        for header in resp.headers.iter_mut() {
            match header {
                Header::WwwAuthenticate(h) => {
                    if let Cow::Owned(v) = downgrade_qop(h.value()) {
                        h.replace(v);
                    }
                }
                Header::ProxyAuthenticate(h) => {
                    if let Cow::Owned(v) = downgrade_qop(h.value()) {
                        h.replace(v);
                    }
                }
                _ => {}
            }
        }
        SipMessage::Response(resp)
    }
}

/// `qop="auth,auth-int"` (any list containing `auth`) -> `qop="auth"`; anything else as is.
pub(super) fn downgrade_qop(value: &str) -> Cow<'_, str> {
    let lower = value.to_ascii_lowercase();
    let Some(start) = lower.find("qop=\"") else {
        return Cow::Borrowed(value);
    };
    let list_start = start + "qop=\"".len();
    let Some(len) = lower[list_start..].find('"') else {
        return Cow::Borrowed(value);
    };
    let list = &lower[list_start..list_start + len];
    let tokens: Vec<&str> = list.split(',').map(str::trim).collect();
    if tokens.len() < 2 || !tokens.contains(&"auth") {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    out.push_str(&value[..list_start]);
    out.push_str("auth");
    out.push_str(&value[list_start + len..]);
    Cow::Owned(out)
}

/// `Retry-After: 120` or `120;duration=3600 (comment)` -> 120 s.
pub(super) fn retry_after(resp: &Response) -> Option<Duration> {
    resp.headers.iter().find_map(|h| match h {
        Header::RetryAfter(v) => {
            let digits: String = v
                .value()
                .trim()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok().map(Duration::from_secs)
        }
        _ => None,
    })
}

/// The reason phrase as received (the standard text when it was the standard one).
pub(super) fn reason_phrase(resp: &Response) -> String {
    resp.wire_reason
        .clone()
        .unwrap_or_else(|| resp.status_code.text().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qop_lists_become_auth() {
        let v = r#"Digest realm="sip.example", nonce="abc", qop="auth,auth-int", algorithm=MD5"#;
        assert_eq!(
            downgrade_qop(v),
            r#"Digest realm="sip.example", nonce="abc", qop="auth", algorithm=MD5"#
        );
        let spaced = r#"Digest realm="r", QOP="auth-int, auth", nonce="n""#;
        assert_eq!(
            downgrade_qop(spaced),
            r#"Digest realm="r", QOP="auth", nonce="n""#
        );
    }

    #[test]
    fn single_or_unsupported_qop_is_untouched() {
        for v in [
            r#"Digest realm="r", nonce="n", qop="auth""#,
            r#"Digest realm="r", nonce="n""#,
            r#"Digest realm="r", nonce="n", qop="auth-int""#,
        ] {
            assert!(matches!(downgrade_qop(v), Cow::Borrowed(_)), "{v}");
        }
    }
}
