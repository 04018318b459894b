-- old_user_list.sql: the users that the old portal's (PRP's) ID-management users list
-- returns to a requester, as ONE SELECT over PRP's own tables (tests/prp/prp_schema.sql:
-- account_user, core_prprole).
--
-- Re-implements  GET /api/id-management/users/?portal=<IP|CLUSTER>[&workspaces=<id>]
--   = UserListCreateAPIView.get_queryset (+ the UserFilter `workspaces` filter)
-- of unicef/etools-partner-reporting-portal, pre-"realms". Code read (get_queryset is
-- identical, token for token, in both):
--   django_api/etools_prp/apps/account/views.py     @ 16f7af37a162167f05f09c34d37320f37db34bce
--   django_api/django_api/apps/account/views.py     @ 3060772b2509ac7968955457512032adbda74b1c
--   User.role_list: django_api/django_api/apps/account/models.py @ 2f394c79b3a8ece1adb057dbf1808a050cfed645
--   UserFilter:     django_api/etools_prp/apps/account/filters.py @ 8f2946949fc9ef2210a83624aae981075354e789
--   IsAuthenticated: django_api/etools_prp/apps/core/permissions.py @ 3c49511808c83c28a0bf0f654de6d63649649313
-- The stored copy has no version at d2240d0d itself; see old_user_list.md for why these match it.
--
-- A PostgreSQL prepared statement. Parameters:
--   $1  integer  the requester's account_user.id                  (psql: :requester)
--   $2  text     the `portal` query parameter: 'IP' or 'CLUSTER'  (psql: :'portal');
--                any other value (or NULL = parameter absent) is PermissionDenied in PRP
--   $3  integer  NULL = no filter (the view's visibility as such; use this to compare with
--                idm's users(portal:) without filter). Not a scope of the view: PRP's URL
--                has no workspace_id kwarg and get_queryset reads no workspace. When set, it
--                applies UserFilter's optional `?workspaces=<$3>` filter
--                (psql: :workspace, or NULL)
-- Result: account_user.id, newest first (the view's order_by('-id')), all pages at once
-- (the view paginates with SmallPagination).
--
-- An EMPTY result means one of: the requester may call the view and sees nobody; or PRP
-- answers 403 (no such active requester / portal not allowed for the requester's roles).
-- PRP tells these apart (200 [] vs 403); this query does not. old_user_list.md has a
-- one-line "allowed?" query for that.
--
-- The file is the bare SELECT (no final ';'), so it can be used as is. From psql:
--   { echo 'PREPARE old_user_list(integer, text, integer) AS'; cat old_user_list.sql; echo ';'; } > p.sql
--   psql -v requester=42 -v portal=IP -v workspace=NULL   (then, in that session / on stdin)
--     \i p.sql
--     EXECUTE old_user_list(:requester, :'portal', :workspace);
-- From Rust (sqlx / tokio-postgres): the text as the statement, binding $1 i32, $2 &str,
-- $3 Option<i32> (PostgreSQL infers integer, text, integer without a PREPARE type list).
--
-- Role rows are read WITHOUT looking at core_prprole.is_active anywhere: that is what PRP
-- does (role_list, user_workspaces and the target filter never filter on it).
SELECT u.id
FROM account_user AS u
CROSS JOIN (
    -- account/views.py UserListCreateAPIView.get_queryset: `user = self.request.user`.
    -- core/permissions.py IsAuthenticated.has_permission: `return request.user.is_authenticated`;
    -- an inactive account cannot sign in (Django's ModelBackend / TokenAuthentication /
    -- social-auth's do_complete refuse is_active=False), so it is never request.user.
    SELECT r.id, r.partner_id,
           -- get_queryset: `user_prp_roles = set(user.role_list)`;
           -- account/models.py User.role_list: `self.prp_roles.values_list('role', flat=True).distinct()`
           --   (every row of the requester: active or not, with or without a scope)
           CASE
               -- get_queryset: `if portal_choice == 'CLUSTER':`
               --   `if all_users_access.intersection(user_prp_roles): pass`
               --   with `all_users_access = {cluster_system_admin, cluster_imo}`
               WHEN $2 = 'CLUSTER' AND EXISTS (
                        SELECT 1 FROM core_prprole AS rr
                        WHERE rr.user_id = r.id
                          AND rr.role IN ('CLUSTER_SYSTEM_ADMIN', 'CLUSTER_IMO'))
                   THEN 'ALL'
               --   `elif PRP_ROLE_TYPES.cluster_member in user_prp_roles:`
               --   `users_queryset.filter(partner_id__isnull=False, partner_id=user.partner_id)`
               WHEN $2 = 'CLUSTER' AND EXISTS (
                        SELECT 1 FROM core_prprole AS rr
                        WHERE rr.user_id = r.id
                          AND rr.role = 'CLUSTER_MEMBER')
                   THEN 'SAME_PARTNER'
               -- `elif portal_choice == 'IP' and ip_users_access.intersection(user_prp_roles):`
               --   with `ip_users_access = {ip_authorized_officer, ip_admin}`
               WHEN $2 = 'IP' AND EXISTS (
                        SELECT 1 FROM core_prprole AS rr
                        WHERE rr.user_id = r.id
                          AND rr.role IN ('IP_AUTHORIZED_OFFICER', 'IP_ADMIN'))
                   THEN 'IP'
               -- both `else: raise PermissionDenied()` (CLUSTER without CSA/IMO/MEMBER;
               -- IP without AO/IP_ADMIN; any other or missing `portal`)
               ELSE NULL
           END AS branch
    FROM account_user AS r
    WHERE r.id = $1
      AND r.is_active
) AS req
WHERE
    -- get_queryset: `User.objects.exclude(id=user.id)` (never the requester itself;
    -- no other "always" filter: inactive users, users without roles and users without a
    -- partner are all listed when the branch admits them)
    u.id <> req.id
    AND (
        -- CLUSTER, CSA or IMO: `pass` (every user but the requester)
        req.branch = 'ALL'
        -- CLUSTER, member: `filter(partner_id__isnull=False, partner_id=user.partner_id)`
        -- (when the requester has no partner, Django turns partner_id=None into IS NULL,
        --  which contradicts isnull=False: nobody. SQL's `= NULL` is never true: the same.)
        OR (req.branch = 'SAME_PARTNER'
            AND u.partner_id IS NOT NULL
            AND u.partner_id = req.partner_id)
        -- IP, AO or IP_ADMIN:
        --   `users_queryset.filter(Q(prp_roles__workspace__in=user_workspaces) |
        --                          Q(prp_roles__isnull=True) |
        --                          Q(prp_roles__role__in=cluster_roles),
        --                          partner_id__isnull=False, partner_id=user.partner_id)`
        OR (req.branch = 'IP'
            AND u.partner_id IS NOT NULL
            AND u.partner_id = req.partner_id
            AND (
                -- `Q(prp_roles__isnull=True)`: the target has no role row at all
                -- (the OR promotes the prp_roles join to LEFT OUTER; a user with no row
                --  yields one row with NULLs)
                NOT EXISTS (SELECT 1 FROM core_prprole AS t WHERE t.user_id = u.id)
                -- the other two Q()s test ONE joined row of the target (one filter() call
                -- = one join); any role type, active or not
                OR EXISTS (
                    SELECT 1 FROM core_prprole AS t
                    WHERE t.user_id = u.id
                      AND (
                          -- `Q(prp_roles__workspace__in=user_workspaces)` with
                          -- `user_workspaces = user.prp_roles.filter(role__in=ip_users_access)
                          --      .values_list('workspace', flat=True).distinct()`
                          -- (the requester's AO/IP_ADMIN rows, active or not; a NULL
                          --  workspace in that list matches nothing, as in SQL IN)
                          t.workspace_id IN (
                              SELECT w.workspace_id FROM core_prprole AS w
                              WHERE w.user_id = req.id
                                AND w.role IN ('IP_AUTHORIZED_OFFICER', 'IP_ADMIN'))
                          -- `Q(prp_roles__role__in=cluster_roles)` with cluster_roles =
                          -- (cluster_system_admin, cluster_imo, cluster_member,
                          --  cluster_coordinator, cluster_viewer); exact, case-sensitive
                          OR t.role IN ('CLUSTER_SYSTEM_ADMIN', 'CLUSTER_IMO',
                                        'CLUSTER_MEMBER', 'CLUSTER_COORDINATOR',
                                        'CLUSTER_VIEWER')
                      )
                )
            ))
    )
    -- account/filters.py UserFilter:
    --   `workspaces = CommaSeparatedListFilter(field_name='prp_roles__workspace_id')`
    --   (optional; applied by DjangoFilterBackend after get_queryset in its own filter() call,
    --    so its own join: the user has SOME role row, any role, active or not, in $3)
    AND ($3::integer IS NULL
         OR EXISTS (SELECT 1 FROM core_prprole AS f
                    WHERE f.user_id = u.id AND f.workspace_id = $3::integer))
-- get_queryset: `.order_by('-id')` (custom_ordering only reorders for ?ordering=status)
ORDER BY u.id DESC
