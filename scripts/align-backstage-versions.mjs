// Sets every @backstage/* dependency in the workspace to ^<latest> so all come from one release
// line (npm has no yarn.lock seed; mixed caret ranges drift into incompatible combinations).
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const files = ['package.json'];
for (const dir of ['packages', 'plugins']) {
  for (const name of readdirSync(dir)) {
    if (existsSync(`${dir}/${name}/package.json`))
      files.push(`${dir}/${name}/package.json`);
  }
}
const latest = new Map();
for (const file of files) {
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  for (const field of ['dependencies', 'devDependencies']) {
    for (const dep of Object.keys(pkg[field] ?? {})) {
      if (!dep.startsWith('@backstage/')) continue;
      if (!latest.has(dep)) {
        latest.set(
          dep,
          execFileSync('npm', ['view', dep, 'version']).toString().trim(),
        );
      }
      pkg[field][dep] = `^${latest.get(dep)}`;
    }
  }
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}
console.log([...latest].map(([k, v]) => `${k}@${v}`).join('\n'));
