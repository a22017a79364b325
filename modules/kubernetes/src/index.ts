import { main } from '@e/module-sdk';
import { kubernetes } from './kubernetes.js';

void main(kubernetes);
