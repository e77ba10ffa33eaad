//! The campaign and config files exactly as written: serde types with every leaf [`Spanned`].
//!
//! These types only describe shape. Every struct denies unknown keys, so a typo (`pacng:`) is
//! an error naming the valid keys. Leaves are kept as written (strings, wide integers) so
//! that validation in [`super::load`] can say "must be at least 1 (got -3)" at the value's
//! line and column instead of a bare type error.
//!
//! Must not: validate, resolve paths, or be visible outside `campaign`.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_saphyr::Spanned;

/// A value with its position in the file.
pub(crate) type Sp<T> = Spanned<T>;

/// A YAML mapping kept in file order, keys with their positions (IVR nodes and routes are
/// reported and stored in the order the author wrote them).
#[derive(Debug)]
pub(crate) struct Entries<V>(pub Vec<(Sp<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

/// The campaign file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCampaign {
    pub name: Sp<String>,
    pub numbers: Sp<RawNumbers>,
    pub caller_id: Option<Sp<String>>,
    pub schedule: Option<Sp<RawSchedule>>,
    pub pacing: Option<Sp<RawPacing>>,
    pub call: Option<Sp<RawCall>>,
    pub prompt: Option<Sp<String>>,
    pub ivr: Option<Sp<RawIvr>>,
    pub record: Option<Sp<RawRecord>>,
    pub retry: Option<Sp<RawRetry>>,
    pub limits: Option<Sp<RawLimits>>,
    pub dnc: Option<Sp<RawDnc>>,
    pub trunks: Option<Sp<Vec<Sp<RawTrunk>>>>,
    pub sip: Option<Sp<RawSip>>,
    pub database: Option<Sp<String>>,
}

impl RawCampaign {
    /// Moves out the keys a config file may also hold (no `flatten`: it would lose spans and
    /// defeat `deny_unknown_fields`).
    pub fn take_shared(&mut self) -> RawShared {
        RawShared {
            limits: self.limits.take(),
            dnc: self.dnc.take(),
            trunks: self.trunks.take(),
            sip: self.sip.take(),
            database: self.database.take(),
        }
    }
}

/// The keys a `--config` file may hold (and the campaign file may override, key by key): the
/// whole config file, and the shared part of a campaign file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawShared {
    pub limits: Option<Sp<RawLimits>>,
    pub dnc: Option<Sp<RawDnc>>,
    pub trunks: Option<Sp<Vec<Sp<RawTrunk>>>>,
    pub sip: Option<Sp<RawSip>>,
    pub database: Option<Sp<String>>,
}

/// `numbers:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNumbers {
    pub file: Sp<String>,
    pub column: Option<Sp<String>>,
    pub default_region: Option<Sp<String>>,
}

/// `schedule:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSchedule {
    pub timezone: Option<Sp<String>>,
    pub windows: Option<Sp<Vec<Sp<RawWindow>>>>,
    #[serde(default)]
    pub holidays: Vec<Sp<String>>,
}

/// One entry of `schedule.windows`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWindow {
    pub days: Sp<Vec<Sp<String>>>,
    pub start: Sp<String>,
    pub end: Sp<String>,
}

/// `pacing:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPacing {
    pub batch_size: Option<Sp<i64>>,
    pub max_concurrent: Option<Sp<i64>>,
    pub max_cps: Option<Sp<i64>>,
}

/// `call:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCall {
    pub ring_timeout: Option<Sp<String>>,
    pub max_duration: Option<Sp<String>>,
    pub codecs: Option<Sp<Vec<Sp<String>>>>,
}

/// `ivr:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIvr {
    pub start: Sp<String>,
    pub nodes: Sp<Entries<Sp<RawNode>>>,
}

/// One IVR node.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNode {
    pub play: Option<Sp<String>>,
    pub collect: Option<Sp<RawCollect>>,
    pub routes: Option<Sp<Entries<Sp<String>>>>,
    pub result: Option<Sp<String>>,
    #[serde(default)]
    pub dnc: bool,
    pub max_visits: Option<Sp<i64>>,
}

/// `collect:` of an IVR node.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCollect {
    pub max_digits: Sp<i64>,
    pub timeout: Sp<String>,
    pub inter_digit_timeout: Option<Sp<String>>,
    pub terminator: Option<Sp<String>>,
}

/// `record:`: `true`/`false`, or a path pattern.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawRecord {
    /// `record: true` / `record: false`.
    Flag(bool),
    /// `record: "calls/{campaign}/{number}-{attempt}.wav"`.
    Pattern(String),
}

/// `retry:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetry {
    pub busy: Option<Sp<RawRetryRule>>,
    pub no_answer: Option<Sp<RawRetryRule>>,
    pub failed: Option<Sp<RawRetryRule>>,
}

/// One retry class.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetryRule {
    pub max_attempts: Option<Sp<i64>>,
    pub delay: Option<Sp<String>>,
}

/// `limits:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimits {
    #[serde(default)]
    pub per_number: Vec<Sp<RawNumberLimit>>,
}

/// One entry of `limits.per_number`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNumberLimit {
    pub max_calls: Sp<i64>,
    pub per: Sp<String>,
}

/// `dnc:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDnc {
    #[serde(default)]
    pub files: Vec<Sp<String>>,
}

/// One entry of `trunks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTrunk {
    pub name: Sp<String>,
    pub uri: Sp<String>,
    pub transport: Option<Sp<String>>,
    pub username: Option<Sp<String>>,
    pub password_env: Option<Sp<String>>,
    pub password_file: Option<Sp<String>>,
    pub max_concurrent: Option<Sp<i64>>,
    pub max_cps: Option<Sp<i64>>,
    pub tls_ca: Option<Sp<String>>,
}

/// `sip:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSip {
    pub bind: Option<Sp<String>>,
    pub public_addr: Option<Sp<String>>,
    pub rtp_ports: Option<Sp<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_file_order_and_positions() {
        let map: Entries<Sp<String>> = serde_saphyr::from_str("b: 1\na: 2\n\"3\": c\n").unwrap();
        let keys: Vec<(&str, u64)> = map
            .0
            .iter()
            .map(|(k, _)| (k.value.as_str(), k.referenced.line()))
            .collect();
        assert_eq!(keys, [("b", 1), ("a", 2), ("3", 3)]);
    }

    #[test]
    fn entries_refuse_duplicate_keys() {
        let err = serde_saphyr::from_str::<Entries<Sp<String>>>("a: 1\na: 2\n").unwrap_err();
        assert!(err.to_string().contains("duplicate"), "{err}");
    }
}
