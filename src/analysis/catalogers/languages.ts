/**
 * The language-ecosystem catalogers, in the order the engine runs them. Each is independent and
 * pure: it reads only the files it selected from the squashed image filesystem.
 */
import type { Cataloger } from '../cataloger.js';
import { cargoCataloger } from './cargo/cargo.js';
import { composerCataloger } from './composer/composer.js';
import { dotnetCataloger } from './dotnet/dotnet.js';
import { gemCataloger } from './gem/gem.js';
import { githubCataloger } from './github/github.js';
import { golangCataloger } from './golang/golang.js';
import { javaCataloger } from './java/java.js';
import { npmCataloger } from './npm/npm.js';
import { pythonCataloger } from './python/python.js';

export const languageCatalogers: readonly Cataloger[] = [
  npmCataloger,
  pythonCataloger,
  javaCataloger,
  golangCataloger,
  composerCataloger,
  gemCataloger,
  dotnetCataloger,
  cargoCataloger,
  githubCataloger,
];
