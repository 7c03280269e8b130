//! The audit log: reading it (filtered, within the actor's area) and
//! exporting it, the export itself audited.

use shouwang_db::audit::{self, Entry, Filter};
use shouwang_domain::access::{self, Action, Resource};
use shouwang_domain::bounds::Paging;

use crate::{Actor, Context, Result};

/// One entry as people read it.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// Beijing time, "2026-03-01 08:30:00".
    pub at: String,
    pub username: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    /// "reason: …; resident: …".
    pub detail: String,
    pub peer: Option<String>,
}

/// Entries shown per page.
pub const PAGE_SIZE: u64 = 100;
/// The most entries one export holds.
const EXPORT_LIMIT: u64 = 100_000;

/// A time as the audit log and exports show it: Beijing time, to the second.
pub fn when(t: time::OffsetDateTime) -> String {
    let local = shouwang_domain::clock::beijing(t);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        local.year(),
        local.month() as u8,
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    )
}

/// "reason: …; resident: …" from the JSON detail, for people to read. With
/// `redacted` (a reader who does not see people: an upper level without the
/// personal-data grant), every value that may name or describe someone
/// (names, rooms, tags, notes, reasons, file names, whole records) is shown
/// as `hidden`; counts, flags and codes (a decision, a state) remain.
fn detail_text(json: &str, redacted: Option<&str>) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match redacted {
                Some(hidden) if !is_impersonal(k, v) => format!("{k}: {hidden}"),
                _ => format!("{k}: {}", v.as_str().map_or_else(|| v.to_string(), str::to_string)),
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::new(),
    }
}

/// Keys whose text is written by people (or names them), whatever it looks like.
const FREE_TEXT: [&str; 6] = ["username", "name", "reason", "file", "note", "display_name"];

/// A count, a flag, or a short code (`verified`, `isolated`, an id): nothing
/// about a person.
fn is_impersonal(key: &str, value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => true,
        serde_json::Value::String(s) => {
            !FREE_TEXT.contains(&key)
                && (1..=40).contains(&s.len())
                && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b))
        }
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => false,
    }
}

fn filter(user: Option<String>, action: Option<String>) -> Filter {
    Filter { username: user, action, ..Default::default() }
}

async fn rows(ctx: &Context, actor: &Actor, filter: &Filter, offset: u64, limit: u64) -> Result<(Vec<AuditRow>, u64)> {
    actor.require(Resource::AuditLog, Action::Read, &actor.scope_path)?;
    let (rows, total) = audit::search(&ctx.db.read, &actor.scope_path, filter, offset, limit).await?;
    let hidden = shouwang_domain::i18n::t(actor.lang, "scope.hidden");
    let redacted = (!access::sees_people(actor.role, actor.personal_grant)).then_some(hidden.as_str());
    let rows = rows
        .into_iter()
        .map(|r| AuditRow {
            at: when(r.at),
            detail: detail_text(&r.detail, redacted),
            username: r.username,
            action: r.action,
            target_kind: r.target_kind,
            target_id: r.target_id,
            peer: r.peer,
        })
        .collect();
    Ok((rows, total))
}

/// One page (1-based) of the entries about the actor's area, newest first, and the total.
pub async fn search(
    ctx: &Context,
    actor: &Actor,
    user: Option<String>,
    action: Option<String>,
    page: Option<u64>,
) -> Result<(Vec<AuditRow>, u64)> {
    // A page number past its range is refused, never wrapped or overflowed.
    let paging = Paging::parse(page, None, PAGE_SIZE).map_err(crate::Error::refused)?;
    rows(ctx, actor, &filter(user, action), paging.offset(), paging.limit()).await
}

/// Every matching entry for a download; the export is audited.
pub async fn export(
    ctx: &Context,
    actor: &Actor,
    user: Option<String>,
    action: Option<String>,
) -> Result<Vec<AuditRow>> {
    let (rows, _) = rows(ctx, actor, &filter(user, action), 0, EXPORT_LIMIT).await?;
    audit::append(
        &ctx.db.write,
        Entry {
            user_id: actor.user_id,
            username: actor.username.clone(),
            action: "export_audit",
            target_kind: "audit_log",
            target_id: None,
            region_path: Some(actor.scope_path.clone()),
            detail: serde_json::json!({}),
            peer: actor.peer.clone(),
        },
    )
    .await?;
    Ok(rows)
}
