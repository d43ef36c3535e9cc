# acrobot_curves.gp, written by notebooks/blpo.ipynb; data in acrobot_curves.dat.
set terminal pngcairo size 1000,600 enhanced font "Helvetica,11" background rgb "white"
set output "acrobot_curves.png"
set termoption noenhanced
set title "Acrobot-v1: training return, per-seed EWM (alpha = 0.05), mean over complete seeds, band +- 1 sd"
set xlabel "environment steps"
set ylabel "training episode return"
set grid
set key bottom right
set format x "%.1s%c"
plot 'acrobot_curves.dat' index 0 using 1:3:4 with filledcurves fc rgb '#1f77b4' fs transparent solid 0.15 notitle, 'acrobot_curves.dat' index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' dt 1 title 'PPO (5 seeds)', 'acrobot_curves.dat' index 1 using 1:3:4 with filledcurves fc rgb '#ff7f0e' fs transparent solid 0.15 notitle, 'acrobot_curves.dat' index 1 using 1:2 with lines lw 2 lc rgb '#ff7f0e' dt 1 title 'PPO-Nested (5 seeds)', 'acrobot_curves.dat' index 2 using 1:3:4 with filledcurves fc rgb '#d62728' fs transparent solid 0.15 notitle, 'acrobot_curves.dat' index 2 using 1:2 with lines lw 2 lc rgb '#d62728' dt 1 title 'BLPO-Nyström (5 seeds)', 'acrobot_curves.dat' index 3 using 1:3:4 with filledcurves fc rgb '#2ca02c' fs transparent solid 0.15 notitle, 'acrobot_curves.dat' index 3 using 1:2 with lines lw 2 lc rgb '#2ca02c' dt 1 title 'BLPO-CG (5 seeds)', 'acrobot_curves.dat' index 4 using 1:3:4 with filledcurves fc rgb '#9467bd' fs transparent solid 0.15 notitle, 'acrobot_curves.dat' index 4 using 1:2 with lines lw 2 lc rgb '#9467bd' dt 2 title 'BLPO-Nyström, implicit sign (5 seeds)', 'acrobot_curves.dat' index 5 using 1:3:4 with filledcurves fc rgb '#17becf' fs transparent solid 0.15 notitle, 'acrobot_curves.dat' index 5 using 1:2 with lines lw 2 lc rgb '#17becf' dt 1 title 'BLPO-CG, the code''s plain CG (5 seeds)', -100.0 with lines dt 3 lc rgb '#555555' title 'return -100'
