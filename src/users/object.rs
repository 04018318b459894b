//! The GraphQL objects `User` and `PRPRole`, which lead to each other (a user's roles, a
//! role's holder): one module, so that the users' and the roles' resolvers both import it and
//! neither imports the other.

use std::sync::Arc;

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};

use crate::context::{db, loader, requester};
use crate::domain::{Portal, RoleType, UserStatus, UserType};
use crate::entity::{prp_role, user};
use crate::error::ApiError;
use crate::ids::{self, Kind};
use crate::partners::object::{load_partner, Partner};
use crate::partners::store::PartnerRow;
use crate::permissions::{self, Person, RoleRow};
use crate::roles::store::RoleBundle;
use crate::users::loader::{RolesOfUser, UserKey};
use crate::users::store;
use crate::workspaces::graphql::{load_cluster, load_workspace, Cluster, Workspace};

/// A person who signs in at the identity provider
#[derive(Clone)]
pub struct User {
    pub model: user::Model,
    /// The partner, when already read with the user.
    partner: Option<Option<PartnerRow>>,
    /// The roles with their scopes, when already read with the page.
    roles: Option<Arc<Vec<RoleBundle>>>,
}

impl User {
    /// A user whose partner is loaded when asked for.
    pub fn new(model: user::Model) -> Self {
        User {
            model,
            partner: None,
            roles: None,
        }
    }

    /// A user with its partner already read (e.g. joined into a page).
    pub fn with_partner(model: user::Model, partner: Option<PartnerRow>) -> Self {
        User {
            model,
            partner: Some(partner),
            roles: None,
        }
    }

    /// Adds the user's roles, already read with its page.
    pub fn with_roles(mut self, roles: Arc<Vec<RoleBundle>>) -> Self {
        self.roles = Some(roles);
        self
    }

    async fn role_bundles(&self, ctx: &Context<'_>) -> Result<Arc<Vec<RoleBundle>>, ApiError> {
        if let Some(roles) = &self.roles {
            return Ok(roles.clone());
        }
        Ok(loader(ctx)?
            .load_one(RolesOfUser(self.model.id))
            .await?
            .unwrap_or_default())
    }

    async fn person(&self, ctx: &Context<'_>) -> Result<Person, ApiError> {
        let bundles = self.role_bundles(ctx).await?;
        Ok(store::person_of_bundles(&self.model, &bundles))
    }
}

/// The derived status of a user with these roles.
pub fn status_of(user: &user::Model, has_roles: bool) -> UserStatus {
    if !user.is_active {
        UserStatus::Deactivated
    } else if !has_roles {
        UserStatus::Incomplete
    } else if user.last_login.is_some() {
        UserStatus::Active
    } else {
        UserStatus::Invited
    }
}

#[Object(serial)]
impl User {
    /// Global ID
    pub async fn id(&self) -> ID {
        ids::encode(Kind::User, self.model.id)
    }
    /// Lower-case email, unique
    async fn email(&self) -> &str {
        &self.model.email
    }
    /// First name
    async fn first_name(&self) -> &str {
        &self.model.first_name
    }
    /// Last name
    async fn last_name(&self) -> &str {
        &self.model.last_name
    }
    /// "First Last", or the first name alone when the last name is empty
    async fn full_name(&self) -> String {
        if self.model.last_name.is_empty() {
            return self.model.first_name.clone();
        }
        format!("{} {}", self.model.first_name, self.model.last_name)
    }
    /// Job title
    async fn position(&self) -> Option<&str> {
        self.model.position.as_deref()
    }
    /// The user's partner organisation
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>, ApiError> {
        if let Some(preloaded) = &self.partner {
            return Ok(preloaded.clone().map(Partner::read));
        }
        match self.model.partner_id {
            Some(id) => load_partner(ctx, id).await,
            None => Ok(None),
        }
    }
    /// False when deactivated: the user cannot sign in and its roles grant nothing
    async fn is_active(&self) -> bool {
        self.model.is_active
    }
    /// Last sign-in; null when the user never signed in
    async fn last_login(&self) -> Option<DateTime<Utc>> {
        self.model.last_login
    }
    /// DEACTIVATED, INCOMPLETE (no roles), ACTIVE (signed in) or INVITED
    async fn status(&self, ctx: &Context<'_>) -> Result<UserStatus, ApiError> {
        Ok(status_of(
            &self.model,
            !self.role_bundles(ctx).await?.is_empty(),
        ))
    }
    /// CLUSTER_ADMIN, IMO, PARTNER or null, from roles and partner
    async fn user_type(&self, ctx: &Context<'_>) -> Result<Option<UserType>, ApiError> {
        Ok(permissions::user_type(&self.person(ctx).await?))
    }
    /// Whether updateUser would succeed for the requester now, decided by the mutation's
    /// own guard
    async fn viewer_can_update(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        let me = &requester(ctx)?.person;
        let target = self.person(ctx).await?;
        Ok(permissions::check_visible(me, &target)
            .and_then(|()| permissions::check_update_user(me, &target))
            .is_ok())
    }
    /// Whether setUserActive with the other value would succeed for the requester now,
    /// decided by the mutation's own guard
    async fn viewer_can_set_active(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        let me = &requester(ctx)?.person;
        let target = self.person(ctx).await?;
        Ok(permissions::check_visible(me, &target)
            .and_then(|()| permissions::check_set_user_active(me, &target))
            .is_ok())
    }
    /// The user has no roles at all
    async fn is_incomplete(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        Ok(self.role_bundles(ctx).await?.is_empty())
    }
    /// The user's roles that the requester may see; only one portal's when given
    async fn roles(
        &self,
        ctx: &Context<'_>,
        portal: Option<Portal>,
    ) -> Result<Vec<PrpRole>, ApiError> {
        let bundles = self.role_bundles(ctx).await?;
        // The holder as read, for the roles' `viewerCan…` (all its roles, whatever the portal).
        let holder = Arc::new(store::person_of_bundles(&self.model, &bundles));
        Ok(bundles
            .iter()
            .filter(|b| portal.is_none_or(|p| b.role.role.portal() == p))
            .cloned()
            .map(|b| PrpRole::from_bundle(b).held_by(holder.clone()))
            .collect())
    }
    /// When the user was created
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// When the user was last changed
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
}

/// Loads a user by id if the requester may see it (itself, or on either portal's list).
pub async fn visible_user(ctx: &Context<'_>, id: i64) -> Result<Option<User>, ApiError> {
    let r = requester(ctx)?;
    if id == r.id() {
        return Ok(Some(User::new(r.user.clone())));
    }
    let Some(u) = loader(ctx)?.load_one(UserKey(id)).await? else {
        return Ok(None);
    };
    let roles = loader(ctx)?
        .load_one(RolesOfUser(id))
        .await?
        .unwrap_or_default();
    let target = store::person_of_bundles(&u, &roles);
    Ok(permissions::can_see_user(&r.person, &target).then_some(User::new(u).with_roles(roles)))
}

/// One role of one user in one scope
pub struct PrpRole {
    model: prp_role::Model,
    /// The scope, when read with the role.
    bundle: Option<RoleBundle>,
    /// The holder with all its roles, when read with the role (a users page): what the
    /// `viewerCan…` answers need, without a statement of their own.
    holder: Option<Arc<Person>>,
}

impl PrpRole {
    /// A role whose scope is loaded when asked for.
    pub fn new(model: prp_role::Model) -> Self {
        PrpRole {
            model,
            bundle: None,
            holder: None,
        }
    }

    /// A role read together with its scope.
    pub fn from_bundle(bundle: RoleBundle) -> Self {
        PrpRole {
            model: bundle.role.clone(),
            bundle: Some(bundle),
            holder: None,
        }
    }

    /// The role, held by `holder` as already read.
    pub fn held_by(mut self, holder: Arc<Person>) -> Self {
        self.holder = Some(holder);
        self
    }

    /// The stored row.
    pub fn model(&self) -> &prp_role::Model {
        &self.model
    }

    /// What the guard needs to answer `viewerCan…`: the requester, this row and its holder.
    async fn guard_view(
        &self,
        ctx: &Context<'_>,
    ) -> Result<(Person, RoleRow, Arc<Person>), ApiError> {
        let me = requester(ctx)?.person.clone();
        let row = store::role_row(&self.model);
        let holder = match &self.holder {
            Some(holder) => holder.clone(),
            None => {
                let loader = crate::context::loader(ctx)?;
                let user = loader
                    .load_one(UserKey(self.model.user_id))
                    .await?
                    .ok_or_else(|| ApiError::internal(&"role without user"))?;
                let roles = loader
                    .load_one(RolesOfUser(self.model.user_id))
                    .await?
                    .unwrap_or_default();
                Arc::new(store::person_of_bundles(&user, &roles))
            }
        };
        Ok((me, row, holder))
    }
}

#[Object(name = "PRPRole", serial)]
impl PrpRole {
    /// Global ID
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Role, self.model.id)
    }
    /// The role type
    async fn role(&self) -> RoleType {
        self.model.role
    }
    /// Human label, e.g. "IP Authorized Officer"
    async fn role_display(&self) -> &'static str {
        self.model.role.label()
    }
    /// The portal of the role
    async fn portal(&self) -> Portal {
        self.model.role.portal()
    }
    /// The holder of the role
    async fn user(&self, ctx: &Context<'_>) -> Result<User, ApiError> {
        let r = requester(ctx)?;
        if self.model.user_id == r.id() {
            return Ok(User::new(r.user.clone()));
        }
        let loaded = crate::context::loader(ctx)?
            .load_one(UserKey(self.model.user_id))
            .await?;
        loaded
            .map(User::new)
            .ok_or_else(|| ApiError::internal(&"role without user"))
    }
    /// The workspace of an IP role
    async fn workspace(&self, ctx: &Context<'_>) -> Result<Option<Workspace>, ApiError> {
        if let Some(bundle) = &self.bundle {
            return Ok(bundle.workspace.clone().map(Workspace));
        }
        match self.model.workspace_id {
            Some(id) => load_workspace(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The cluster of a cluster role
    async fn cluster(&self, ctx: &Context<'_>) -> Result<Option<Cluster>, ApiError> {
        if let Some(b) = &self.bundle {
            return Ok(b
                .cluster
                .clone()
                .map(|c| Cluster::with_context(c, b.plan.clone(), b.plan_workspace.clone())));
        }
        match self.model.cluster_id {
            Some(id) => load_cluster(ctx, id).await,
            None => Ok(None),
        }
    }
    /// False when deactivated; an inactive role grants nothing but still shows
    async fn is_active(&self) -> bool {
        self.model.is_active
    }
    /// When the role was granted
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// The role types updateRole would accept for this row from the requester now (empty
    /// when none), decided by the guard of the mutation itself
    async fn viewer_can_change_to(&self, ctx: &Context<'_>) -> Result<Vec<RoleType>, ApiError> {
        let (me, row, holder) = self.guard_view(ctx).await?;
        Ok(permissions::role_changes(&me, &row, &holder))
    }
    /// Whether updateRole flipping isActive would succeed for the requester now
    async fn viewer_can_toggle(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        let (me, row, holder) = self.guard_view(ctx).await?;
        Ok(permissions::may_toggle_role(&me, &row, &holder))
    }
    /// Whether deleteRole would succeed for the requester now
    async fn viewer_can_delete(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        let (me, row, holder) = self.guard_view(ctx).await?;
        Ok(permissions::may_delete_role(&me, &row, &holder))
    }
}

/// A role visible to the requester (through its holder), for `node`.
pub async fn visible_role(ctx: &Context<'_>, id: i64) -> Result<Option<PrpRole>, ApiError> {
    let Some(role) = crate::roles::store::find(db(ctx)?, id).await? else {
        return Ok(None);
    };
    Ok(visible_user(ctx, role.user_id)
        .await?
        .map(|_| PrpRole::new(role)))
}
