//! PostgreSQL implementation of [`NewsroomStore`]. A child module of `postgres`, so it shares that
//! module's row types and error mapping.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::PgStore;
use crate::domain::{
    ApiToken, ArticleFilter, ArticleInput, ArticleListItem, ArticleStatus, AuditEntry, Channel,
    EditableArticle, ImageRecord, Page, PageRequest, Role, TagCount, User,
};
use crate::store::StoreResult;
use crate::store::newsroom::{
    AttemptCount, AuditRecord, LoginReservation, NewImage, NewsroomStore, SessionRecord,
    UserCredentials,
};
use crate::targets::Extracted;

#[async_trait]
impl NewsroomStore for PgStore {
    async fn create_user(&self, name: &str, role: Role, password_hash: &str) -> StoreResult<User> {
        todo!("PostgreSQL: create_user")
    }

    async fn user_credentials(&self, name: &str) -> StoreResult<UserCredentials> {
        todo!("PostgreSQL: user_credentials")
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        todo!("PostgreSQL: list_users")
    }

    async fn count_users(&self) -> StoreResult<i64> {
        todo!("PostgreSQL: count_users")
    }

    async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()> {
        todo!("PostgreSQL: set_password")
    }

    async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> StoreResult<()> {
        todo!("PostgreSQL: set_user_disabled")
    }

    async fn set_user_role(&self, user_id: i64, role: Role) -> StoreResult<()> {
        todo!("PostgreSQL: set_user_role")
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        todo!("PostgreSQL: create_session")
    }

    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<SessionRecord> {
        todo!("PostgreSQL: session")
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        todo!("PostgreSQL: delete_session")
    }

    async fn reserve_login_attempt(
        &self,
        account: &str,
        client: &str,
        at: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> StoreResult<LoginReservation> {
        todo!("PostgreSQL: reserve_login_attempt")
    }

    async fn release_login_attempt(&self, id: i64) -> StoreResult<()> {
        todo!("PostgreSQL: release_login_attempt")
    }

    async fn clear_login_attempts(&self, account: &str, client: &str) -> StoreResult<()> {
        todo!("PostgreSQL: clear_login_attempts")
    }

    async fn login_device(
        &self,
        token_hash: &str,
        account: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        todo!("PostgreSQL: login_device")
    }

    async fn create_login_device(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        todo!("PostgreSQL: create_login_device")
    }

    async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> StoreResult<i64> {
        todo!("PostgreSQL: create_api_token")
    }

    async fn list_api_tokens(&self, user_id: Option<i64>) -> StoreResult<Vec<ApiToken>> {
        todo!("PostgreSQL: list_api_tokens")
    }

    async fn revoke_api_token(&self, id: i64, owner: Option<i64>) -> StoreResult<()> {
        todo!("PostgreSQL: revoke_api_token")
    }

    async fn user_by_api_token(&self, token_hash: &str) -> StoreResult<User> {
        todo!("PostgreSQL: user_by_api_token")
    }

    async fn list_articles_for_editing(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
    ) -> StoreResult<Page<ArticleListItem>> {
        todo!("PostgreSQL: list_articles_for_editing")
    }

    async fn editable_article(&self, id: i64) -> StoreResult<EditableArticle> {
        todo!("PostgreSQL: editable_article")
    }

    async fn create_article(
        &self,
        input: &ArticleInput,
        cover_image: Option<&str>,
        targets: &[Extracted],
    ) -> StoreResult<i64> {
        todo!("PostgreSQL: create_article")
    }

    async fn update_article(
        &self,
        id: i64,
        expected_version: i64,
        input: &ArticleInput,
        cover_image: Option<&str>,
        targets: &[Extracted],
    ) -> StoreResult<i64> {
        todo!("PostgreSQL: update_article")
    }

    async fn set_article_status(
        &self,
        id: i64,
        expected_version: Option<i64>,
        status: ArticleStatus,
        published_at: Option<DateTime<Utc>>,
    ) -> StoreResult<i64> {
        todo!("PostgreSQL: set_article_status")
    }

    async fn set_article_trashed(&self, id: i64, trashed: bool) -> StoreResult<()> {
        todo!("PostgreSQL: set_article_trashed")
    }

    async fn purge_trash(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        todo!("PostgreSQL: purge_trash")
    }

    async fn publish_due(&self, now: DateTime<Utc>) -> StoreResult<Vec<(i64, String)>> {
        todo!("PostgreSQL: publish_due")
    }

    async fn article_authors(&self) -> StoreResult<Vec<String>> {
        todo!("PostgreSQL: article_authors")
    }

    async fn add_audit(&self, record: &AuditRecord<'_>) -> StoreResult<()> {
        todo!("PostgreSQL: add_audit")
    }

    async fn list_audit(
        &self,
        article_id: Option<i64>,
        page: PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        todo!("PostgreSQL: list_audit")
    }

    async fn add_image(&self, image: &NewImage<'_>) -> StoreResult<ImageRecord> {
        todo!("PostgreSQL: add_image")
    }

    async fn list_images(&self, page: PageRequest) -> StoreResult<Page<ImageRecord>> {
        todo!("PostgreSQL: list_images")
    }

    async fn update_channel(
        &self,
        id: i64,
        name: &str,
        slug: &str,
        position: i64,
    ) -> StoreResult<(Channel, Vec<i64>)> {
        todo!("PostgreSQL: update_channel")
    }

    async fn delete_channel(&self, id: i64) -> StoreResult<()> {
        todo!("PostgreSQL: delete_channel")
    }

    async fn list_tags(&self) -> StoreResult<Vec<TagCount>> {
        todo!("PostgreSQL: list_tags")
    }

    async fn rename_tag(&self, id: i64, name: &str) -> StoreResult<Vec<i64>> {
        todo!("PostgreSQL: rename_tag")
    }

    async fn delete_tag(&self, id: i64) -> StoreResult<Vec<i64>> {
        todo!("PostgreSQL: delete_tag")
    }
}
