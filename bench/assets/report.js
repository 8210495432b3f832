(function(){
function val(td){const v=td.dataset.v;if(v!==undefined&&v!=='')return parseFloat(v);
  const t=td.textContent.trim();return t==='-'?null:t.toLowerCase();}
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
    const dir=th.getAttribute('aria-sort')==='ascending'?-1:1;
    t.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
    th.setAttribute('aria-sort',dir===1?'ascending':'descending');
    const body=t.tBodies[0];const rows=Array.from(body.rows);
    rows.sort(function(a,b){const x=val(a.cells[i]),y=val(b.cells[i]);
      if(x===null||y===null)return x===y?0:(x===null?1:-1);
      return (x<y?-1:x>y?1:0)*dir;});
    rows.forEach(function(r){body.appendChild(r);});
  });});
});
function unpack(text,what){
  if(typeof DecompressionStream==='undefined')return Promise.reject(new Error(
    'this browser cannot unpack '+what+' (no DecompressionStream)'));
  const bin=atob(text.trim());const bytes=new Uint8Array(bin.length);
  for(let i=0;i<bin.length;i++)bytes[i]=bin.charCodeAt(i);
  const stream=new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Response(stream).text();}
function load(){const el=document.getElementById('bench-data');
  if(el.dataset.encoding==='json')return Promise.resolve(JSON.parse(el.textContent));
  return unpack(el.textContent,'the per-question data').then(JSON.parse);}
// plotly.js travels packed (2 MB, not 4.8): unpacked, run, then each figure's script.
function run(code){const s=document.createElement('script');s.textContent=code;
  document.head.appendChild(s);}
(function plots(){const el=document.getElementById('plotly-js');
  if(!el||!el.textContent.trim())return;
  unpack(el.textContent,'the plots').then(function(code){run(code);
    document.querySelectorAll('script[type="text/x-bench-plot"]').forEach(function(s){
      run(s.textContent);});}).catch(function(e){
    document.querySelectorAll('.plotly-graph-div').forEach(function(d){
      d.textContent='plot unavailable: '+e.message;});});})();
let D=null,S=null;
const VN={c:'correct',i:'incorrect',n:'not attempted',u:'unscored',t:'truncated',e:'error','.':'no record'};
const st={g:0,page:0,size:25,runs:'',verdict:'all',q:''};
function esc(s){return String(s).replace(/[&<>"']/g,function(c){return {'&':'&amp;',
  '<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c];});}
function str(i){return i<0?null:S[i];}
function selRuns(g){const terms=st.runs.toLowerCase().split(',').map(function(s){
  return s.trim();}).filter(Boolean);const out=[];
  g.runs.forEach(function(r,i){const hay=(r.id+' '+r.label).toLowerCase();
    if(!terms.length||terms.some(function(t){return hay.indexOf(t)>=0;}))out.push(i);});
  return out;}
function selQuestions(g,runs){const out=[];const term=st.q.toLowerCase();
  for(let k=0;k<g.q.ids.length;k++){
    if(term&&g.q.ids[k].toLowerCase().indexOf(term)<0&&
       (g.q.text[k]||'').toLowerCase().indexOf(term)<0)continue;
    if(st.verdict!=='all'){const vs=runs.map(function(i){return g.runs[i].v[k];});
      if(st.verdict==='disagree'){if(new Set(vs.filter(function(v){return v!=='.';})).size<2)
        continue;}else if(vs.indexOf(st.verdict)<0)continue;}
    out.push(k);}
  return out;}
function citation(c){
  if(c.d===undefined){return '<div class=article><span class=h>'+esc(c.id)+'</span>'+
    (c.miss?' (quote not found in the article)':'')+'\n<mark>'+esc(c.t)+'</mark></div>';}
  const doc=D.docs[c.d];const t=doc.text;
  return '<div class=article><span class=h>'+esc(doc.h)+'</span> <span class=qid>'+
    esc(doc.id)+'</span>\n'+esc(t.slice(c.p[0],c.q[0]))+'<mark>'+esc(t.slice(c.q[0],c.q[1]))+
    '</mark>'+esc(t.slice(c.q[1],c.p[1]))+'</div>';}
function evidence(r,k){if(!r.e||!r.e[k])return '';const items=r.e[k];
  if(!items.length)return '<div class="ev ev-miss">no evidence given</div>';
  return items.map(function(e){const quote=str(e.q)||'';const doc=e.n<0?'':D.labels[e.n];
    if(!(e.f&1))return '<div class="ev ev-fab"><span class=evk>fabricated</span> not in '+
      (doc?esc(doc):'any article shown')+': <q>'+esc(quote)+'</q></div>';
    const kind=(e.f&4)?'on the gold passage':'another passage';
    const how=(e.f&2)?'':' (near-verbatim)';
    if(e.d===undefined)return '<div class=ev><span class=evk>'+kind+how+'</span> <q>'+
      esc(quote)+'</q></div>';
    const t=D.docs[e.d].text;
    return '<div class="ev '+((e.f&4)?'ev-gold':'ev-other')+'"><span class=evk>'+kind+how+
      '</span> <span class=qid>'+esc(D.docs[e.d].id)+'</span><div class=article>'+
      esc(t.slice(e.p[0],e.s[0]))+'<mark class=evq>'+esc(t.slice(e.s[0],e.s[1]))+'</mark>'+
      esc(t.slice(e.s[1],e.p[1]))+'</div></div>';}).join('');}
function question(g,k,runs){const q=g.q;
  const tags=q.tags[k].map(function(i){return '<span class=tag>'+esc(D.labels[i])+'</span>';})
    .join('');
  const gold=q.gold[k]<0?null:D.labels[q.gold[k]];
  let rows='';runs.forEach(function(i){const r=g.runs[i];const v=r.v[k];
    const a=str(r.a[k]);const why=str(r.r[k]);
    rows+='<tr><td class=run title="'+esc(r.label)+'">'+esc(r.id)+
      '</td><td class=vd><span class="v v-'+v+'">'+VN[v]+'</span></td><td>'+
      (a===null?'<span class=na>-</span>':esc(a))+
      (why?'<div class=reason>'+esc(why)+'</div>':'')+evidence(r,k)+'</td></tr>';});
  return '<div class=q><div class=qhead><span class=qid>'+esc(q.ids[k])+'</span>'+tags+
    ' '+esc(q.text[k]||'')+'</div><div class=cols><div class=answers><table class=ans>'+rows+
    '</table></div><div class=gold><div>gold: <span class=goldans>'+
    (gold===null?'(not reported in the sources)':esc(gold))+'</span></div>'+
    q.cit[k].map(citation).join('')+'</div></div></div>';}
function render(){const g=D.groups[st.g];const out=document.getElementById('pq-list');
  const info=document.getElementById('pq-info');
  if(!g){out.innerHTML='';info.textContent='no runs';return;}
  const runs=selRuns(g);const qs=selQuestions(g,runs);
  const pages=Math.max(1,Math.ceil(qs.length/st.size));st.page=Math.min(st.page,pages-1);
  const shown=qs.slice(st.page*st.size,(st.page+1)*st.size);
  info.textContent='page '+(st.page+1)+' of '+pages+' · '+qs.length+' questions · '+
    runs.length+' of '+g.runs.length+' runs · answers cut at '+D.cut+' characters'+
    (g.texts?'':' · question texts unavailable');
  out.innerHTML=shown.map(function(k){return question(g,k,runs);}).join('');}
function on(id,ev,f){document.getElementById(id).addEventListener(ev,function(e){f(e);
  render();});}
function init(data){D=data;S=D.strings;
const gs=document.getElementById('pq-group');
D.groups.forEach(function(g,i){const o=document.createElement('option');o.value=i;
  o.textContent=g.title;gs.appendChild(o);});
if(D.groups.length<2)gs.parentNode.style.display='none';
on('pq-group','change',function(e){st.g=+e.target.value;st.page=0;});
on('pq-runs','input',function(e){st.runs=e.target.value;st.page=0;});
on('pq-search','input',function(e){st.q=e.target.value;st.page=0;});
on('pq-verdict','change',function(e){st.verdict=e.target.value;st.page=0;});
on('pq-prev','click',function(){st.page=Math.max(0,st.page-1);});
on('pq-next','click',function(){st.page+=1;});
render();}
load().then(init).catch(function(e){
  document.getElementById('pq-info').textContent='per-question view unavailable: '+e.message;});
})();
document.querySelectorAll('button.cols').forEach(function(b){b.addEventListener('click',function(){
  const t=document.getElementById(b.dataset.board);const all=t.classList.toggle('all');
  b.textContent=all?'headline columns':'all columns';});});
