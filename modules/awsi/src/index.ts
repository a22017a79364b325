import { main } from '@e/module-sdk';
import { awsi } from './awsi.js';

void main(awsi);
