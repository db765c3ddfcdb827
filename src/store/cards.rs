//! Link preview cards (`preview_cards`) and which card each status shows
//! (`status_preview_cards`).

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};

use crate::model::card::{CardAuthor, CardKind, PreviewCard};

/// A card as stored: the card, and where its image is.
#[derive(Clone, Debug)]
pub struct StoredCard {
    /// With `image` not filled in (the service knows the storage's URLs).
    pub card: PreviewCard,
    pub image_key: Option<String>,
    pub image_remote_url: Option<String>,
    /// The account the page credits, allowed by its `attribution_domains`.
    pub author_account_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct CardRow {
    id: i64,
    url: String,
    canonical_url: Option<String>,
    #[sqlx(rename = "type")]
    kind: String,
    title: String,
    description: String,
    author_name: String,
    author_url: String,
    provider_name: String,
    provider_url: String,
    html: String,
    width: i32,
    height: i32,
    embed_url: String,
    image_key: Option<String>,
    image_remote_url: Option<String>,
    image_description: String,
    blurhash: Option<String>,
    language: Option<String>,
    published_at: Option<DateTime<Utc>>,
    authors: Json<Vec<CardAuthor>>,
    author_account_id: Option<i64>,
}

impl From<CardRow> for StoredCard {
    fn from(r: CardRow) -> StoredCard {
        StoredCard {
            card: PreviewCard {
                id: r.id,
                url: r.canonical_url.unwrap_or(r.url),
                kind: CardKind::parse(&r.kind).unwrap_or(CardKind::Link),
                title: r.title,
                description: r.description,
                author_name: r.author_name,
                author_url: r.author_url,
                provider_name: r.provider_name,
                provider_url: r.provider_url,
                html: r.html,
                width: r.width,
                height: r.height,
                embed_url: r.embed_url,
                image: None,
                image_description: r.image_description,
                blurhash: r.blurhash,
                language: r.language,
                published_at: r.published_at,
                authors: r.authors.0,
                author_account: None,
            },
            image_key: r.image_key,
            image_remote_url: r.image_remote_url,
            author_account_id: r.author_account_id,
        }
    }
}

const COLUMNS: &str = "id, url, canonical_url, type, title, description, author_name, author_url, \
     provider_name, provider_url, html, width, height, embed_url, image_key, image_remote_url, \
     image_description, blurhash, language, published_at, authors, author_account_id";

/// What a fetch found, to be stored.
pub struct NewCard<'a> {
    pub canonical_url: Option<&'a str>,
    pub kind: CardKind,
    pub title: &'a str,
    pub description: &'a str,
    pub author_name: &'a str,
    pub author_url: &'a str,
    pub provider_name: &'a str,
    pub provider_url: &'a str,
    pub html: &'a str,
    pub width: i32,
    pub height: i32,
    pub embed_url: &'a str,
    pub image_key: Option<&'a str>,
    pub image_remote_url: Option<&'a str>,
    pub image_description: &'a str,
    pub blurhash: Option<&'a str>,
    pub language: Option<&'a str>,
    pub published_at: Option<DateTime<Utc>>,
    pub authors: &'a [CardAuthor],
    /// The account the page credits: (its id, whether its `attribution_domains` allow the
    /// page's domain).
    pub credited: Option<(i64, bool)>,
}

/// Takes the fetch of the card of `url` (creating its row with `id` if there is none) until
/// `lease_until`, if it is due: never fetched, or last fetched before `stale_before` (a card
/// that was made) or `failed_before` (a page that gave none), and nobody else's lease runs.
/// Returns the card's id when the caller is to fetch it.
pub async fn claim(
    db: impl PgExecutor<'_>,
    id: i64,
    url: &str,
    stale_before: DateTime<Utc>,
    failed_before: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO preview_cards (id, url, fetching_until) VALUES ($1, $2, $5) \
         ON CONFLICT (url) DO UPDATE SET fetching_until = $5 \
         WHERE (preview_cards.fetched_at IS NULL \
                OR preview_cards.fetched_at < CASE WHEN preview_cards.ok THEN $3 ELSE $4 END) \
           AND (preview_cards.fetching_until IS NULL OR preview_cards.fetching_until < now()) \
         RETURNING id",
    )
    .bind(id)
    .bind(url)
    .bind(stale_before)
    .bind(failed_before)
    .bind(lease_until)
    .fetch_optional(db)
    .await
}

/// Where the card of `url` stands, when it has a row.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct CardState {
    pub id: i64,
    /// A card was made (and is shown).
    pub ok: bool,
    /// Someone's lease to fetch it runs.
    pub fetching: bool,
}

pub async fn state_of(
    db: impl PgExecutor<'_>,
    url: &str,
) -> Result<Option<CardState>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, ok, COALESCE(fetching_until > now(), false) AS fetching \
         FROM preview_cards WHERE url = $1",
    )
    .bind(url)
    .fetch_optional(db)
    .await
}

/// Stores what a fetch found and ends its lease; returns the image key the card had before.
pub async fn store_fetched(
    db: &mut PgConnection,
    id: i64,
    c: &NewCard<'_>,
) -> Result<Option<String>, sqlx::Error> {
    let old: Option<Option<String>> =
        sqlx::query_scalar("SELECT image_key FROM preview_cards WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *db)
            .await?;
    sqlx::query(
        "UPDATE preview_cards SET ok = TRUE, canonical_url = $2, type = $3, title = $4, \
         description = $5, author_name = $6, author_url = $7, provider_name = $8, \
         provider_url = $9, html = $10, width = $11, height = $12, embed_url = $13, \
         image_key = $14, image_remote_url = $15, image_description = $16, blurhash = $17, \
         language = $18, published_at = $19, authors = $20, \
         author_account_id = $21, unverified_author_account_id = $22, fetched_at = now(), \
         fetching_until = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(c.canonical_url)
    .bind(c.kind.as_str())
    .bind(c.title)
    .bind(c.description)
    .bind(c.author_name)
    .bind(c.author_url)
    .bind(c.provider_name)
    .bind(c.provider_url)
    .bind(c.html)
    .bind(c.width)
    .bind(c.height)
    .bind(c.embed_url)
    .bind(c.image_key)
    .bind(c.image_remote_url)
    .bind(c.image_description)
    .bind(c.blurhash)
    .bind(c.language)
    .bind(c.published_at)
    .bind(Json(c.authors))
    .bind(c.credited.filter(|(_, allowed)| *allowed).map(|(id, _)| id))
    .bind(
        c.credited
            .filter(|(_, allowed)| !*allowed)
            .map(|(id, _)| id),
    )
    .execute(&mut *db)
    .await?;
    Ok(old.flatten())
}

/// Ends a fetch that found nothing: a card made before stays as it was.
pub async fn fetch_failed(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE preview_cards SET fetched_at = now(), fetching_until = NULL WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Makes status `status_id` show card `card_id`; whether that changed anything (false too
/// when the status is gone).
pub async fn link(
    db: impl PgExecutor<'_>,
    status_id: i64,
    card_id: i64,
) -> Result<bool, sqlx::Error> {
    let changed: Option<i64> = sqlx::query_scalar(
        "INSERT INTO status_preview_cards (status_id, card_id) \
         SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM statuses WHERE id = $1) \
         ON CONFLICT (status_id) DO UPDATE SET card_id = EXCLUDED.card_id \
         WHERE status_preview_cards.card_id <> EXCLUDED.card_id \
         RETURNING status_id",
    )
    .bind(status_id)
    .bind(card_id)
    .fetch_optional(db)
    .await?;
    Ok(changed.is_some())
}

/// Takes its card from a status; whether it had one.
pub async fn unlink(db: impl PgExecutor<'_>, status_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM status_preview_cards WHERE status_id = $1")
        .bind(status_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The cards with these ids that were made (not the rows of pages that gave none).
pub async fn by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<StoredCard>, sqlx::Error> {
    let rows: Vec<CardRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM preview_cards WHERE id = ANY($1) AND ok"
    ))
    .bind(ids)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(StoredCard::from).collect())
}

/// The card made for `url`, by the link statuses carry or by the page's canonical URL.
pub async fn id_by_url(db: impl PgExecutor<'_>, url: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM preview_cards WHERE ok AND (url = $1 OR canonical_url = $1) \
         ORDER BY (url = $1) DESC, id LIMIT 1",
    )
    .bind(url)
    .fetch_optional(db)
    .await
}

/// A card whose page credits an account that has not (yet) allowed the page's domain.
#[derive(Debug, sqlx::FromRow)]
pub struct UnverifiedCard {
    pub id: i64,
    /// The page's address (its canonical URL when it gave one).
    pub url: String,
}

/// The cards crediting `account_id` without its `attribution_domains` allowing them.
pub async fn unverified_of(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Vec<UnverifiedCard>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, COALESCE(canonical_url, url) AS url FROM preview_cards \
         WHERE unverified_author_account_id = $1",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// Grants `account_id` the credit the cards `ids` claimed for it.
pub async fn verify_author(
    db: impl PgExecutor<'_>,
    account_id: i64,
    ids: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE preview_cards SET author_account_id = $1, unverified_author_account_id = NULL \
         WHERE id = ANY($2) AND unverified_author_account_id = $1",
    )
    .bind(account_id)
    .bind(ids)
    .execute(db)
    .await?;
    Ok(())
}
