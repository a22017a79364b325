import { main } from '@e/module-sdk';
import { logging } from './logging.js';

void main(logging);
