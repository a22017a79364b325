import { main } from '@e/module-sdk';
import { azi } from './azi.js';

void main(azi);
