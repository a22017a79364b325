import { z } from 'zod';

/** The `status:` every module keeps in its own state section (docs/module-contract.md, "State"). */
export const statusSchema = z.enum(['initialized', 'applied', 'failed', 'destroyed']);
