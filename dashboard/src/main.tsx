import { render } from 'preact';
import { App } from './app.tsx';
import { resume } from './session.ts';
import './styles.css';

const root = document.getElementById('app')!;
render(<App ready={false} />, root);
resume().finally(() => render(<App ready />, root));
