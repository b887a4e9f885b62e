//! Timestamps: the clock at microsecond precision (what both backends store) and the published
//! output forms.

use chrono::{DateTime, SubsecRound, TimeZone, Utc};

/// A point in time in UTC, kept at microsecond precision.
pub type Timestamp = DateTime<Utc>;

/// Returns the current time, cut to whole microseconds so that a stored value reads back unchanged.
pub fn now() -> Timestamp {
    Utc::now().trunc_subsecs(6)
}

/// Microseconds since the Unix epoch: the storage form of a timestamp on both backends.
pub fn to_micros(timestamp: Timestamp) -> i64 {
    timestamp.timestamp_micros()
}

/// Reads a stored timestamp back.
pub fn from_micros(micros: i64) -> Timestamp {
    Utc.timestamp_micros(micros)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// `created_at`, `updated_at` and `terminated_at` output: `2025-11-18T15:49:35.000000Z`.
pub fn format_timestamp(timestamp: Timestamp) -> String {
    timestamp.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// `submitted_at` output: `2025-11-18T15:49:35`.
pub fn format_submitted(timestamp: Timestamp) -> String {
    timestamp.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Position and inquiry `job_start`/`job_end` output: `2025-11-01 16:30:00`.
pub fn format_job_time(timestamp: Timestamp) -> String {
    timestamp.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip() {
        let moment = now();
        assert_eq!(from_micros(to_micros(moment)), moment);
    }

    #[test]
    fn output_forms_match_published_examples() {
        let moment = Utc.with_ymd_and_hms(2025, 11, 18, 15, 49, 35).unwrap();
        assert_eq!(format_timestamp(moment), "2025-11-18T15:49:35.000000Z");
        assert_eq!(format_submitted(moment), "2025-11-18T15:49:35");
        assert_eq!(format_job_time(moment), "2025-11-18 15:49:35");
    }
}
