import { z } from 'zod';

/** The `status:` every module keeps in its own state section (product.md §2). */
export const statusSchema = z.enum(['initialized', 'applied', 'failed', 'destroyed']);
