import type { AppConfig, EnrollSecret, Label, LabelMembershipType, LabelType, Policy, Role, SavedQuery, Team, JsonObject } from '../../resolvers/model.js';
import type * as t from './schema.js';

export const toSavedQuery = (r: typeof t.savedQueries.$inferSelect): SavedQuery => ({ ...r });

export const toLabel = (r: typeof t.labels.$inferSelect): Label => ({
  ...r,
  labelType: r.labelType as LabelType,
  labelMembershipType: r.labelMembershipType as LabelMembershipType,
});

export const toTeam = (r: typeof t.teams.$inferSelect): Team => ({
  ...r,
  agentOptions: (r.agentOptions as JsonObject | null) ?? null,
});

export const toPolicy = (r: typeof t.policies.$inferSelect): Policy => ({ ...r });

export const toEnrollSecret = (r: typeof t.enrollSecrets.$inferSelect): EnrollSecret => ({ ...r });

export const toRole = (r: string | null): Role | null => r as Role | null;

export const toAppConfig = (json: unknown): AppConfig => json as AppConfig;
