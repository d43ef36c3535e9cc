# acrobot_diagnostics.gp, written by notebooks/blpo.ipynb; data in acrobot_diagnostics.dat.
set terminal pngcairo size 1200,800 enhanced font "Helvetica,10" background rgb "white"
set output "acrobot_diagnostics.png"
set termoption noenhanced
set grid
set key bottom right
set format x "%.1s%c"
set xlabel "environment steps"
set multiplot layout 2,2 title "Acrobot-v1: BLPO's correction c against the leader's own gradient g (per-window means, binned)"
set yrange [-0.05:1.05]
set key center right
set title "fraction of updates whose correction is clipped (mean over seeds)"
plot 'acrobot_diagnostics.dat' index 0 using 1:2 with lines lw 2 lc rgb '#d62728' dt 1 title 'BLPO-Nyström', 'acrobot_diagnostics.dat' index 1 using 1:2 with lines lw 2 lc rgb '#2ca02c' dt 1 title 'BLPO-CG', 'acrobot_diagnostics.dat' index 2 using 1:2 with lines lw 2 lc rgb '#9467bd' dt 2 title 'BLPO-Nyström, implicit sign', 'acrobot_diagnostics.dat' index 3 using 1:2 with lines lw 2 lc rgb '#17becf' dt 1 title 'BLPO-CG, the code''s plain CG'

set yrange [-1.05:1.05]
set title "cos(g, c): -1 amplifies g, +1 cancels it (mean over seeds)"
plot 'acrobot_diagnostics.dat' index 0 using 1:3 with lines lw 2 lc rgb '#d62728' dt 1 title 'BLPO-Nyström', 'acrobot_diagnostics.dat' index 1 using 1:3 with lines lw 2 lc rgb '#2ca02c' dt 1 title 'BLPO-CG', 'acrobot_diagnostics.dat' index 2 using 1:3 with lines lw 2 lc rgb '#9467bd' dt 2 title 'BLPO-Nyström, implicit sign', 'acrobot_diagnostics.dat' index 3 using 1:3 with lines lw 2 lc rgb '#17becf' dt 1 title 'BLPO-CG, the code''s plain CG'

set autoscale y
unset key
set logscale y
set format y "%.0e"
set title "||g||: the leader's own gradient (median over seeds)"
plot 'acrobot_diagnostics.dat' index 0 using 1:4 with lines lw 2 lc rgb '#d62728' dt 1 title 'BLPO-Nyström', 'acrobot_diagnostics.dat' index 1 using 1:4 with lines lw 2 lc rgb '#2ca02c' dt 1 title 'BLPO-CG', 'acrobot_diagnostics.dat' index 2 using 1:4 with lines lw 2 lc rgb '#9467bd' dt 2 title 'BLPO-Nyström, implicit sign', 'acrobot_diagnostics.dat' index 3 using 1:4 with lines lw 2 lc rgb '#17becf' dt 1 title 'BLPO-CG, the code''s plain CG'

set title "||c|| before the clip (median over seeds)"
plot 'acrobot_diagnostics.dat' index 0 using 1:5 with lines lw 2 lc rgb '#d62728' dt 1 title 'BLPO-Nyström', 'acrobot_diagnostics.dat' index 1 using 1:5 with lines lw 2 lc rgb '#2ca02c' dt 1 title 'BLPO-CG', 'acrobot_diagnostics.dat' index 2 using 1:5 with lines lw 2 lc rgb '#9467bd' dt 2 title 'BLPO-Nyström, implicit sign', 'acrobot_diagnostics.dat' index 3 using 1:5 with lines lw 2 lc rgb '#17becf' dt 1 title 'BLPO-CG, the code''s plain CG'

unset multiplot
