import { main } from '@e/module-sdk';
import { kafka } from './kafka.js';

void main(kafka);
