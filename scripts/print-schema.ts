/** Writes the sorted SDL to schema.graphql (the schema test checks it is current). */
import { writeFileSync } from 'node:fs';
import { printedSchema } from '../schema/index.js';

writeFileSync(new URL('../schema.graphql', import.meta.url), printedSchema() + '\n');
