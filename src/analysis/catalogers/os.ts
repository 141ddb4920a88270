/** The OS package catalogers (installed-package databases), in the order the engine runs them. */
import type { Cataloger } from '../cataloger.js';
import { alpmCataloger } from './alpm/alpm.js';
import { apkCataloger } from './apk/apk.js';
import { dpkgCataloger } from './dpkg/dpkg.js';
import { rpmCataloger } from './rpm/rpm.js';

export const osCatalogers: readonly Cataloger[] = [dpkgCataloger, apkCataloger, rpmCataloger, alpmCataloger];
