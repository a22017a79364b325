import { main } from '@e/module-sdk';
import { monitoring } from './monitoring.js';

void main(monitoring);
