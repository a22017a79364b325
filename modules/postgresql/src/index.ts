import { main } from '@e/module-sdk';
import { postgresql } from './postgresql.js';

void main(postgresql);
