//! A clinic's campaigns as the desk stores them (its managers' replicated record), with what
//! head office last counted of each (head office's record, keyed by the campaign's id).

use rapport_model::StaffId;
use rapport_model::campaigns::{Campaign, CampaignResult, CampaignView};
use rapport_model::outreach;
use rusqlite::{Connection, Row, params};

use crate::messaging::uuid_col;
use crate::{Result, StoreError, from_ms, to_ms};

const COLUMNS: &str = "c.id, c.name, c.segment, c.template, c.channel, c.holdout_pct, c.window_days, c.cost_millis,
    c.send_at, c.paused, c.set_by, c.updated_at, r.ran_at, r.figures, r.updated_at";

fn view(r: &Row<'_>) -> rusqlite::Result<CampaignView> {
    let bad = |idx: usize| rusqlite::Error::InvalidColumnType(idx, "campaign".into(), rusqlite::types::Type::Text);
    let channel: String = r.get(4)?;
    let figures: Option<String> = r.get(13)?;
    let result = match (figures, r.get::<_, Option<i64>>(14)?) {
        (Some(figures), Some(updated_at)) => Some(CampaignResult {
            campaign: uuid_col(r, 0)?,
            ran_at: r.get::<_, Option<i64>>(12)?.map(from_ms),
            figures: serde_json::from_str(&figures).map_err(|_| bad(13))?,
            updated_at: from_ms(updated_at),
        }),
        _ => None,
    };
    Ok(CampaignView {
        campaign: Campaign {
            id: uuid_col(r, 0)?,
            name: r.get(1)?,
            segment: r.get(2)?,
            template: r.get(3)?,
            channel: outreach::parse_channel(&channel).ok_or_else(|| bad(4))?,
            holdout_pct: r.get(5)?,
            window_days: r.get(6)?,
            cost_millis: r.get(7)?,
            send_at: from_ms(r.get(8)?),
            paused: r.get::<_, i64>(9)? != 0,
            set_by: StaffId::from_bytes(*uuid_col(r, 10)?.as_bytes()),
            updated_at: from_ms(r.get(11)?),
        },
        result,
    })
}

/// The clinic's campaigns, the newest first, each with head office's count if it has one.
pub fn campaigns(conn: &Connection) -> Result<Vec<CampaignView>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM campaign c LEFT JOIN campaign_result r ON r.id = c.id
         WHERE c.deleted_at IS NULL ORDER BY c.send_at DESC, c.name"
    ))?;
    let rows = stmt.query_map([], view)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The campaign of this name (the newest, should two desks have made one each before they
/// synced).
pub fn campaign(conn: &Connection, name: &str) -> Result<Option<CampaignView>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM campaign c LEFT JOIN campaign_result r ON r.id = c.id
         WHERE c.deleted_at IS NULL AND c.name = ?1 ORDER BY c.updated_at DESC, c.id DESC LIMIT 1"
    ))?;
    let mut rows = stmt.query_map([name], view)?;
    Ok(rows.next().transpose()?)
}

/// Writes a campaign (a new one, or a change to `c.id`: paused or resumed).
pub fn save_campaign(conn: &Connection, c: &Campaign) -> Result<()> {
    let channel = outreach::channel_word(c.channel);
    if !outreach::TEMPLATE_CHANNELS.contains(&c.channel) {
        return Err(StoreError::Decode("campaign channel"));
    }
    conn.prepare_cached(
        "INSERT INTO campaign (id, name, segment, template, channel, holdout_pct, window_days, cost_millis, send_at,
             paused, set_by, updated_at, deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL)
         ON CONFLICT (id) DO UPDATE SET paused = excluded.paused, set_by = excluded.set_by,
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        c.id.as_bytes().as_slice(),
        c.name,
        c.segment,
        c.template,
        channel,
        c.holdout_pct,
        c.window_days,
        c.cost_millis,
        to_ms(c.send_at),
        i64::from(c.paused),
        c.set_by.as_bytes().as_slice(),
        to_ms(c.updated_at)
    ])?;
    Ok(())
}
