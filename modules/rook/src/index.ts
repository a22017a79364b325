import { main } from '@e/module-sdk';
import { rook } from './rook.js';

void main(rook);
