// Display names of the API's enums. Names only: what a requester may do always comes from the API.
export const ROLE_LABELS = {
  IP_AUTHORIZED_OFFICER: 'IP Authorized Officer',
  IP_ADMIN: 'IP Admin',
  IP_EDITOR: 'IP Editor',
  IP_VIEWER: 'IP Viewer',
  CLUSTER_SYSTEM_ADMIN: 'Cluster System Admin',
  CLUSTER_IMO: 'Cluster IMO',
  CLUSTER_COORDINATOR: 'Cluster Coordinator',
  CLUSTER_MEMBER: 'Cluster Member',
  CLUSTER_VIEWER: 'Cluster Viewer',
};

const rolesOf = (prefix) => Object.keys(ROLE_LABELS).filter((r) => r.startsWith(prefix));
export const PORTAL_ROLES = { IP: rolesOf('IP_'), CLUSTER: rolesOf('CLUSTER_') };

export const PORTAL_LABELS = { IP: 'IP', CLUSTER: 'Cluster' };
export const PORTALS = Object.keys(PORTAL_LABELS);

export const STATUS_LABELS = {
  ACTIVE: 'Active',
  INVITED: 'Invited',
  INCOMPLETE: 'Incomplete',
  DEACTIVATED: 'Deactivated',
};

export const USER_TYPE_LABELS = { PARTNER: 'Partner', IMO: 'IMO', CLUSTER_ADMIN: 'Cluster admin' };

export const PARTNER_TYPE_LABELS = {
  BILATERAL_MULTILATERAL: 'Bilateral / Multilateral',
  CIVIL_SOCIETY_ORGANIZATION: 'Civil Society Organization',
  GOVERNMENT: 'Government',
  UN_AGENCY: 'UN Agency',
};

export const CSO_TYPE_LABELS = {
  ACADEMIC_INSTITUTION: 'Academic Institution',
  COMMUNITY_BASED_ORGANIZATION: 'Community Based Organization',
  INTERNATIONAL: 'International',
  NATIONAL: 'National',
  RED_CROSS_RED_CRESCENT: 'Red Cross / Red Crescent',
};

export const SHARED_PARTNER_LABELS = {
  NO: 'No',
  WITH_UNDP: 'with UNDP',
  WITH_UNFPA: 'with UNFPA',
  WITH_UNDP_AND_UNFPA: 'with UNDP & UNFPA',
};

const format = (options) => {
  const f = new Intl.DateTimeFormat(undefined, options);
  return (iso) => (iso ? f.format(new Date(iso)) : '—');
};
export const formatDateTime = format({ dateStyle: 'medium', timeStyle: 'short' });
export const formatDate = format({ dateStyle: 'medium' });

export function scopeLabel(role) {
  if (role.workspace) return role.workspace.title;
  if (role.cluster) return role.cluster.fullTitle;
  return 'Everywhere';
}
