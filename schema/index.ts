import './apply-result.js';
import './campaign.js';
import './config.js';
import './host.js';
import './label.js';
import './pack.js';
import './policy.js';
import './saved-query.js';
import './targets.js';
import './team.js';
import './user.js';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';

export const schema = builder.toSchema();

/** The SDL committed as schema.graphql, sorted so diffs stay stable. */
export const printedSchema = (): string => printSchema(lexicographicSortSchema(schema));
