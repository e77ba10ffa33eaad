//! SIP final responses -> dispositions, exactly as CONTRACT.md's table says.

use crate::disposition::Disposition;

/// What a final response means for the call and the campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified {
    /// The disposition to record.
    pub disposition: Disposition,
    /// Try the same number on the next trunk at once (5xx, transport, timeout).
    pub failover: bool,
    /// The trunk's credentials were refused: pause it and tell the operator.
    pub auth_failure: bool,
    /// The callee could not take any codec we offered: tell the operator, never retry.
    pub codec_mismatch: bool,
}

impl Classified {
    /// Whether the `retry:` policy may dial this number again: codec mismatches never are
    /// (the same offer would fail the same way), other failures follow their class.
    pub fn retryable(&self) -> bool {
        !self.codec_mismatch && self.disposition.retry_class().is_some()
    }

    fn plain(disposition: Disposition) -> Self {
        Classified {
            disposition,
            failover: false,
            auth_failure: false,
            codec_mismatch: false,
        }
    }
}

/// Classifies a final (>= 300) response. `had_provisional` is whether an 18x arrived first
/// (a 408 after ringing is a no-answer; a 408 with none is a timeout of the trunk).
pub fn final_response(code: u16, had_provisional: bool) -> Classified {
    use Disposition::*;
    match code {
        486 | 600 => Classified::plain(Busy),
        480 => Classified::plain(NoAnswer),
        408 if had_provisional => Classified::plain(NoAnswer),
        404 | 484 | 485 | 410 | 604 => Classified::plain(Invalid),
        603 => Classified::plain(Rejected),
        401 | 403 | 407 => Classified {
            auth_failure: true,
            ..Classified::plain(Failed)
        },
        488 | 606 => Classified {
            codec_mismatch: true,
            ..Classified::plain(Failed)
        },
        // 408 without a provisional, every 5xx, and anything unexpected: the trunk did not
        // get the call through, so another trunk may.
        _ => failure(),
    }
}

/// A transport error or a timeout without a provisional response.
pub fn failure() -> Classified {
    Classified {
        failover: true,
        ..Classified::plain(Disposition::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Disposition::*;

    #[test]
    fn every_row_of_the_contract_table() {
        let rows: &[(u16, bool, Disposition)] = &[
            (486, false, Busy),
            (600, false, Busy),
            (480, true, NoAnswer),
            (408, true, NoAnswer),
            (404, false, Invalid),
            (484, false, Invalid),
            (485, false, Invalid),
            (410, false, Invalid),
            (604, false, Invalid),
            (603, false, Rejected),
            (503, true, Failed),
            (500, false, Failed),
            (502, false, Failed),
            (504, false, Failed),
            (408, false, Failed),
            (401, false, Failed),
            (403, false, Failed),
            (407, false, Failed),
            (488, false, Failed),
            (606, false, Failed),
        ];
        for &(code, prov, want) in rows {
            assert_eq!(final_response(code, prov).disposition, want, "{code}");
        }
    }

    #[test]
    fn only_server_failures_and_timeouts_fail_over() {
        for code in [500, 502, 503, 504] {
            assert!(final_response(code, false).failover, "{code}");
        }
        assert!(final_response(408, false).failover);
        assert!(!final_response(408, true).failover);
        for code in [486, 404, 603, 401, 488] {
            assert!(!final_response(code, false).failover, "{code}");
        }
    }

    #[test]
    fn auth_and_codec_failures_are_flagged_for_the_operator() {
        for code in [401, 403, 407] {
            assert!(final_response(code, false).auth_failure);
        }
        for code in [488, 606] {
            let c = final_response(code, false);
            assert!(c.codec_mismatch && !c.retryable());
        }
    }
}
