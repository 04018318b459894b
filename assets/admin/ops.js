// Every GraphQL operation of the console, in one module. A test (tests/api/console.rs) validates
// each of them against the schema, so a schema change that would break a screen fails the build.
// Name each operation: the name is the metric label and the test's handle.

// == session and header ==
export const ME = `query Me {
  me {
    id fullName email
    partner { id title }
    roles { id role roleDisplay portal isActive workspace { id title } cluster { id fullTitle } }
  }
}`;

// Which portals the requester may list: the API answers FORBIDDEN for the others.
export const PORTAL_ACCESS = `query PortalAccess {
  ip: users(portal: IP, first: 1) { pageInfo { hasNextPage } }
  cluster: users(portal: CLUSTER, first: 1) { pageInfo { hasNextPage } }
}`;

// == users list ==
export const USERS_PAGE = `query UsersPage($portal: Portal!, $filter: UserFilter, $orderBy: [UserOrder!],
    $first: Int, $after: String, $last: Int, $before: String) {
  users(portal: $portal, filter: $filter, orderBy: $orderBy, first: $first, after: $after,
      last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes {
      id fullName email position status isIncomplete lastLogin
      partner { id title }
      roles(portal: $portal) { id role roleDisplay isActive workspace { id title } cluster { id fullTitle } }
    }
  }
}`;

// The old portal's notice: other authorized officers in the requester's workspaces.
export const OTHER_AUTHORIZED_OFFICERS = `query OtherAuthorizedOfficers {
  users(portal: IP, filter: { roles: [IP_AUTHORIZED_OFFICER] }, first: 1) { pageInfo { hasNextPage } nodes { id } }
}`;

export const FILTER_WORKSPACES = `query FilterWorkspaces { workspaces { id title workspaceCode } }`;

export const FILTER_CLUSTERS = `query FilterClusters { assignableClusters { id fullTitle } }`;

export const FILTER_PARTNERS = `query FilterPartners($title: String) {
  partners(filter: { title: $title }, orderBy: [{ field: TITLE }], first: 20) { nodes { id title } }
}`;

// == user detail ==

// == add user ==

// == partners ==

// == what can I grant, CSV export, audit log ==
